import { ERROR_QUEUE } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import {
  createSaveFailedMessage,
  ErrorQueue,
  groupFailures,
  MAX_STACK,
  messagePattern,
} from '../src/index.js';
import { captureLogger, collect, fillQueue, readAll, startQueuey } from './queuey.js';

const hook = (attempt: number) => ({
  signal: new AbortController().signal,
  partition: 'shop-1',
  logger: captureLogger() as never,
  attempt,
  worker: 'box-7',
});

describe('the error saved with a failed message', () => {
  it('says what was thrown, where, by which worker, after how many runs and when', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'shop', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    const error = Object.assign(new TypeError('boom 42', { cause: new Error('deeper') }), {
      code: 'E_BOOM',
    });
    const before = Date.now();
    await createSaveFailedMessage({ logger: captureLogger() })(
      message,
      {},
      'shop-1',
      error,
      q.queuey,
      hook(3),
    );
    const [stored] = await readAll(q.queuey, ERROR_QUEUE, 7);
    const saved = JSON.parse(stored?.body ?? '{}').error;
    expect(saved).toMatchObject({
      name: 'TypeError',
      message: 'boom 42',
      code: 'E_BOOM',
      attempts: 3,
      worker: 'box-7',
    });
    expect(saved.stack).toMatch(/^TypeError: boom 42\n\s+at /);
    expect(saved.stack).toContain('Caused by: Error: deeper');
    expect(saved.failed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(saved.failed_at)).toBeGreaterThanOrEqual(before);

    const [listed] = await collect(new ErrorQueue(q.queuey).list());
    expect(listed?.error).toEqual(saved);
    expect(listed?.message).toEqual(message);
  });

  it('cuts a huge stack and masks an app key in the message', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'big', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    const error = new Error('sent Authorization: Application s3cr3tkey');
    error.stack = `Error: x\n${'    at frame (/x.js:1:1)\n'.repeat(5000)}`;
    await createSaveFailedMessage({ logger: captureLogger() })(
      message,
      {},
      'big-1',
      error,
      q.queuey,
    );
    const [failure] = await collect(new ErrorQueue(q.queuey).list());
    expect(failure?.error?.stack.length).toBeLessThan(MAX_STACK + 100);
    expect(failure?.error?.stack).toMatch(/more characters\)$/);
    expect(failure?.error?.message).toBe('sent Authorization: Application [redacted]');
    expect(failure?.error?.attempts).toBe(1);
  });

  it('lists, filters and replays failures saved without an error (the original format)', async () => {
    await using q = await startQueuey();
    const [old, fresh] = await fillQueue(q.queuey, 'mixed', { partitions: 1, perPartition: 2 });
    if (!old || !fresh) throw new Error('no messages posted');
    await q.queuey.createQueue({ queueName: ERROR_QUEUE, partitions: 7 });
    await q.queuey.postMessage(ERROR_QUEUE, JSON.stringify({ ...old, queue: 'mixed-1' }), {
      partition: 2,
    });
    await createSaveFailedMessage({ logger: captureLogger() })(
      fresh,
      {},
      'mixed-1',
      new RangeError('too far'),
      q.queuey,
    );
    const errors = new ErrorQueue(q.queuey);
    const all = await collect(errors.list());
    expect(all.map((f) => [f.message.message_id, f.error?.name])).toEqual(
      expect.arrayContaining([
        [old.message_id, undefined],
        [fresh.message_id, 'RangeError'],
      ]),
    );
    const ranged = await collect(errors.list({ error: 'RangeError' }));
    expect(ranged.map((f) => f.message.message_id)).toEqual([fresh.message_id]);
    expect(await errors.replay({ queue: 'mixed', error: 'TypeError' })).toEqual({ replayed: 0 });
    expect(await errors.replay({ queue: 'mixed' })).toEqual({ replayed: 2 });
    expect(await collect(errors.list())).toEqual([]);
  });

  it('purges only the failures of the error class asked for', async () => {
    await using q = await startQueuey();
    const [a, b] = await fillQueue(q.queuey, 'purging', { partitions: 1, perPartition: 2 });
    if (!a || !b) throw new Error('no messages posted');
    const save = createSaveFailedMessage({ logger: captureLogger() });
    await save(a, {}, 'purging-1', new TypeError('t'), q.queuey);
    await save(b, {}, 'purging-1', new RangeError('r'), q.queuey);
    const errors = new ErrorQueue(q.queuey);
    expect(await errors.purge({ error: 'TypeError' })).toEqual({ purged: 1 });
    expect((await collect(errors.list())).map((f) => f.error?.name)).toEqual(['RangeError']);
  });
});

describe('groupFailures', () => {
  it('groups by error class and message with numbers and ids normalised', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'grouped', { partitions: 2, perPartition: 2 });
    const save = createSaveFailedMessage({ logger: captureLogger() });
    const errors = [
      new Error('boom 42'),
      new Error('boom 7'),
      new TypeError('boom 42'),
      new Error('order 0f1e2d3c4b5a69788796a5b4c3d2e1f0 gone'),
    ];
    for (const [i, message] of messages.entries()) {
      await save(message, {}, `grouped-${message.partition}`, errors[i], q.queuey);
    }
    const groups = groupFailures(await collect(new ErrorQueue(q.queuey).list()));
    expect(groups.map((g) => [g.count, g.name, g.pattern])).toEqual([
      [2, 'Error', 'boom <n>'],
      [1, 'Error', 'order <id> gone'],
      [1, 'TypeError', 'boom <n>'],
    ]);
    expect(groups[0]?.queues).toEqual(['grouped-1']);
  });

  it('makes a pattern of the first line only', () => {
    expect(messagePattern('took 1.5 s at step 3\nmore')).toBe('took <n> s at step <n>');
  });
});
