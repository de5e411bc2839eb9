import { createLogger } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { createLogFailure, describeFailure, formatError } from '../src/index.js';
import { APP_KEY, captureLogger, startQueuey } from './queuey.js';

const message = {
  message_id: '79924e0ff10411e1850bb88d120c81de',
  body: 'secret body',
  partition: 2,
  timestamp: '1346153731.9620111',
};

function failingJob(): never {
  throw new Error('job exploded', { cause: new TypeError('the root cause') });
}

describe('logFailure', () => {
  it('logs the message id, the queue and the full stack with causes', async () => {
    const log = captureLogger();
    const error = (() => {
      try {
        failingJob();
      } catch (e) {
        return e;
      }
    })();
    await createLogFailure({ logger: log })(message, {}, 'orders-2', error, {} as never);
    expect(log.lines).toHaveLength(1);
    const [line = ''] = log.lines;
    expect(line).toContain(message.message_id);
    expect(line).toContain('orders-2');
    expect(line).toContain('Error: job exploded');
    expect(line).toContain('failingJob');
    expect(line).toContain('Caused by: TypeError: the root cause');
    expect(line).not.toContain('secret body');
  });

  it('never logs the app key, even when a client error or a message quotes it', async () => {
    await using q = await startQueuey();
    const clientError = await q.queuey.messages('no-such-queue').catch((e: unknown) => e);
    expect(clientError).toBeInstanceOf(Error);
    const quoting = new Error(`request failed with Authorization: Application ${APP_KEY}`, {
      cause: clientError,
    });
    const log = captureLogger();
    await createLogFailure({ logger: log })(message, { appKey: APP_KEY }, 'q-1', quoting, q.queuey);
    const [line = ''] = log.lines;
    expect(line).toContain('Application [redacted]');
    expect(line).toContain('Caused by:');
    expect(line).not.toContain(APP_KEY);
  });

  it('writes one JSON line with partition, message_id and err through a @qdo/core logger', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', type: 'json', write: (l) => lines.push(l) });
    const error = new TypeError('x', { cause: new Error('root') });
    await createLogFailure({ logger })(message, {}, 'q-3', error, {} as never);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '');
    expect(line).toMatchObject({
      level: 'error',
      name: 'test',
      msg: `job failed for message ${message.message_id} in q-3`,
      partition: 'q-3',
      message_id: message.message_id,
      err: { name: 'TypeError', message: 'x' },
    });
    expect(line.err.stack).toContain('Caused by: Error: root');
  });

  it("uses the worker's logger from the hook options when given none", async () => {
    const lines: string[] = [];
    const logger = createLogger({ type: 'json', write: (l) => lines.push(l) });
    const hook = {
      signal: new AbortController().signal,
      partition: 'q-1',
      logger,
      attempt: 1,
      worker: 'w',
    };
    await createLogFailure()(message, {}, 'q-1', new Error('x'), {} as never, hook);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ partition: 'q-1', err: { name: 'Error' } });
  });

  it('turns a thrown non-Error into a readable line', () => {
    expect(describeFailure('abc', 'q-1', { reason: 'nope' })).toContain('{"reason":"nope"}');
    expect(formatError('plain string')).toContain('plain string');
  });

  it('survives a logger that throws', async () => {
    const broken = {
      error() {
        throw new Error('sink down');
      },
    };
    const original = console.error;
    const printed: unknown[][] = [];
    console.error = (...args: unknown[]) => printed.push(args);
    try {
      await createLogFailure({ logger: broken })(message, {}, 'q-1', new Error('x'), {} as never);
    } finally {
      console.error = original;
    }
    expect(String(printed[0]?.[0])).toContain(message.message_id);
  });
});
