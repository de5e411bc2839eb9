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

  it('goes through a tslog logger from @qdo/core', async () => {
    const logger = createLogger({ name: 'test', type: 'hidden' });
    const seen: unknown[] = [];
    logger.attachTransport((record) => seen.push(record));
    await createLogFailure({ logger })(message, {}, 'q-3', new Error('x'), {} as never);
    expect(JSON.stringify(seen)).toContain(message.message_id);
    expect(JSON.stringify(seen)).toContain('ERROR');
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
