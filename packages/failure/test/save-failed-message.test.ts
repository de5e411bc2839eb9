import { ERROR_QUEUE, isRetryLater, type JobFailure } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { createSaveFailedMessage, ERROR_TTL, ErrorQueue } from '../src/index.js';
import { APP_KEY, captureLogger, collect, DAY, fillQueue, readAll, startQueuey } from './queuey.js';

describe('saveFailedMessage', () => {
  it('spreads 20 failures from 10 partitions over several qdo_error partitions, bodies intact', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'work', { partitions: 10, perPartition: 2 });
    expect(messages).toHaveLength(20);
    const log = captureLogger();
    const save = createSaveFailedMessage({ logger: log });
    for (const message of messages) {
      await save(message, {}, `work-${message.partition}`, new Error('boom'), q.queuey);
    }

    const saved = await readAll(q.queuey, ERROR_QUEUE, 7);
    expect(saved).toHaveLength(20);
    expect(new Set(saved.map((m) => m.partition)).size).toBeGreaterThanOrEqual(5);
    const decoded = saved.map((m) => JSON.parse(m.body));
    for (const message of messages) {
      const copy = decoded.find((d) => d.message_id === message.message_id);
      expect(copy).toEqual({
        ...message,
        queue: `work-${message.partition}`,
        error: expect.objectContaining({ name: 'Error', message: 'boom' }),
      });
    }
    expect(log.lines).toHaveLength(20);
  });

  it('keeps the failures of one partition together in one error partition, in order', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'orders', { partitions: 1, perPartition: 5 });
    const save = createSaveFailedMessage({ logger: captureLogger() });
    for (const message of messages) await save(message, {}, 'orders-1', new Error('x'), q.queuey);
    const saved = await readAll(q.queuey, ERROR_QUEUE, 7);
    expect(new Set(saved.map((m) => m.partition)).size).toBe(1);
    expect(saved.map((m) => JSON.parse(m.body).message_id)).toEqual(
      messages.map((m) => m.message_id),
    );
  });

  it('saves exactly the original message plus "queue" and "error" as JSON', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'format-test', { partitions: 3, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    const save = createSaveFailedMessage({ logger: captureLogger() });
    await save(message, {}, `format-test-${message.partition}`, new Error('x'), q.queuey);
    const [stored] = await readAll(q.queuey, ERROR_QUEUE, 7);
    expect(Object.keys(JSON.parse(stored?.body ?? '{}')).sort()).toEqual(
      [...Object.keys(message), 'queue', 'error'].sort(),
    );
    // A reader that knows only the original's keys finds them unchanged.
    const { error: _error, ...original } = JSON.parse(stored?.body ?? '{}');
    expect(original).toEqual({
      message_id: message.message_id,
      body: message.body,
      partition: message.partition,
      timestamp: message.timestamp,
      ...(message.content_type === undefined ? {} : { content_type: message.content_type }),
      queue: `format-test-${message.partition}`,
    });
  });

  it('creates qdo_error with 7 partitions when it is missing', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'fresh', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    expect((await q.queuey.listQueues()).map((i) => i.queue_name)).not.toContain(ERROR_QUEUE);
    await createSaveFailedMessage({ logger: captureLogger() })(
      message,
      {},
      'fresh-1',
      new Error('x'),
      q.queuey,
    );
    const info = (await q.queuey.listQueues({ details: true })).find(
      (i) => i.queue_name === ERROR_QUEUE,
    );
    expect(info?.partitions).toBe(7);
  });

  it('keeps saved messages 30 days: there after 29, gone after 31', async () => {
    expect(ERROR_TTL).toBe(30 * 24 * 60 * 60);
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'ttl', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    await createSaveFailedMessage({ logger: captureLogger() })(
      message,
      {},
      'ttl-1',
      new Error('x'),
      q.queuey,
    );
    const errors = new ErrorQueue(q.queuey);
    q.clock.advance(29 * DAY);
    expect((await collect(errors.list())).map((f) => f.message.message_id)).toEqual([
      message.message_id,
    ]);
    q.clock.advance(2 * DAY);
    expect(await collect(errors.list())).toEqual([]);
  });

  it('throws RetryLater, not an ordinary error, when qdo_error cannot be written', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'down', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    await q.stopServer();
    const log = captureLogger();
    const save = createSaveFailedMessage({ logger: log });
    const failure = await Promise.resolve(
      save(message, {}, 'down-1', new Error('x'), q.queuey),
    ).catch((error: unknown) => error);
    expect(isRetryLater(failure)).toBe(true);
    const text = String((failure as Error).message);
    expect(text).toContain(message.message_id);
    expect(text).toContain('down-1');
    expect(text).not.toContain(APP_KEY);
    expect((failure as Error).cause).toBeDefined();
    expect(log.lines).toHaveLength(1); // logged before trying to save
  });

  it('works inside a custom handler that saves, then does its own handling (as the seed)', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'custom', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    const save = createSaveFailedMessage({ logger: captureLogger() });
    const handler: JobFailure<{ failures: number }> = async (m, context, queue, error, queuey) => {
      await save(m, context, queue, error, queuey);
      context.failures += 1;
    };
    const context = { failures: 0 };
    await handler(message, context, 'custom-1', new Error('x'), q.queuey);
    expect(context.failures).toBe(1);
    expect(await collect(new ErrorQueue(q.queuey).list({ queue: 'custom-1' }))).toHaveLength(1);
  });

  it('rejects a TTL the server would refuse when the hook is made', () => {
    expect(() => createSaveFailedMessage({ ttl: 0 })).toThrow(/ttl must be a whole number/);
    expect(() => createSaveFailedMessage({ ttl: 1.5 })).toThrow(/ttl/);
  });
});
