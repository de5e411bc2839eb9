import { describe, expect, it } from 'vitest';
import { createLogger, type Logger, logEnabled, silentLogger } from '../src/index.js';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    ...options,
    write: (l) => lines.push(l),
  });
  return { lines, logger };
}

describe('createLogger', () => {
  it('writes JSON lines as time, level, name, msg, the fields, then err', () => {
    const { lines, logger } = capture({ format: 'json', name: 'w' });
    const error = new TypeError('bad');
    logger.error('job failed', { partition: 'q-1', message_id: 'abc', msg: 'not mine' }, error);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '');
    expect(Object.keys(line)).toEqual([
      'time',
      'level',
      'name',
      'msg',
      'partition',
      'message_id',
      'err',
    ]);
    expect(line).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'error',
      name: 'w',
      msg: 'job failed',
      partition: 'q-1',
      message_id: 'abc',
      err: { name: 'TypeError', message: 'bad', stack: error.stack },
    });
  });

  it('takes an error, or a thrown non-Error, as the second argument', () => {
    const { lines, logger } = capture({ format: 'json' });
    logger.warn('first', new Error('x'));
    logger.warn('second', 'a string was thrown');
    logger.warn('third', [1, 2]);
    const [first, second, third] = lines.map((l) => JSON.parse(l));
    expect(first.err).toMatchObject({ name: 'Error', message: 'x' });
    expect(second.err).toEqual({ name: 'string', message: 'a string was thrown' });
    expect(third.err).toEqual({ name: 'object', message: '[1,2]' });
  });

  it('drops lines below its level and says so through enabled()', () => {
    const { lines, logger } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    expect(lines).toHaveLength(1);
    expect(logEnabled(logger, 'info')).toBe(false);
    expect(logEnabled(logger, 'error')).toBe(true);
    expect(logEnabled(silentLogger, 'error')).toBe(false);
    // A logger that cannot tell (console) is assumed to write everything.
    expect(logEnabled(console as unknown as Logger, 'debug')).toBe(true);
  });

  it('writes pretty lines with the fields as key=value and the stack below', () => {
    const { lines, logger } = capture({ name: 'w' });
    const error = new Error('boom');
    logger.error('failed', { partition: 'q-1', count: 2n }, error);
    expect(lines[0]).toBe(
      `2026-01-02T03:04:05.000Z ERROR [w] failed partition=q-1 count=2\n${error.stack}`,
    );
  });

  it('keeps the line when a field cannot be written as JSON', () => {
    const { lines, logger } = capture({ format: 'json' });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    logger.info('still here', { cycle });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', msg: 'still here' });
  });
});
