import { describe, expect, it } from 'vitest';
import {
  isRetryLater,
  isStopWorker,
  parsePartition,
  QdoError,
  RetryLater,
  StopWorker,
  toError,
} from '../src/index.js';

describe('toError', () => {
  it('returns an Error unchanged', () => {
    const e = new TypeError('x');
    expect(toError(e)).toBe(e);
  });
  it('wraps a non-Error, keeping it as cause', () => {
    const e = toError({ bad: 1 });
    expect(e).toBeInstanceOf(QdoError);
    expect(e.message).toContain('{"bad":1}');
    expect(e.cause).toEqual({ bad: 1 });
    expect(toError('boom').message).toContain('boom');
  });
});

describe('control-flow errors', () => {
  it('are recognised by instance, name or code', () => {
    expect(isStopWorker(new StopWorker())).toBe(true);
    expect(isRetryLater(new RetryLater())).toBe(true);
    const foreign = Object.assign(new Error('x'), { name: 'StopWorker' });
    expect(isStopWorker(foreign)).toBe(true);
    expect(isStopWorker(new Error('StopWorker'))).toBe(false);
    expect(new StopWorker().code).toBe('QDO_STOP_WORKER');
  });
});

describe('parsePartition', () => {
  it('splits at the last dash so queue names may contain dashes', () => {
    expect(parsePartition('a-b-c-12')).toEqual({ queue: 'a-b-c', partition: 12 });
    expect(parsePartition('q-1')).toEqual({ queue: 'q', partition: 1 });
  });
  it('rejects names without a partition number', () => {
    expect(() => parsePartition('q')).toThrow(/expected <queue>-<n>/);
    expect(() => parsePartition('q-0')).toThrow();
    expect(() => parsePartition('-1')).toThrow();
  });
});
