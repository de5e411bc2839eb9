import { ERROR_QUEUE } from '@qdo/core';
import type { Message, QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { createSaveFailedMessage, ErrorQueue, isFailureError } from '../src/index.js';
import { captureLogger, collect, fillQueue, readAll, startQueuey } from './queuey.js';

/** Fails every given message through saveFailedMessage, as a worker would. */
async function failAll(queuey: QueueyClient, queue: string, messages: Message[]) {
  const save = createSaveFailedMessage({ logger: captureLogger() });
  for (const m of messages) await save(m, {}, `${queue}-${m.partition}`, new Error('x'), queuey);
}

describe('ErrorQueue', () => {
  it('lists nothing when qdo_error does not exist yet', async () => {
    await using q = await startQueuey();
    expect(await collect(new ErrorQueue(q.queuey).list())).toEqual([]);
  });

  it('lists every page of every partition, filtered by queue or partition', async () => {
    await using q = await startQueuey();
    const a = await fillQueue(q.queuey, 'alpha', { partitions: 3, perPartition: 2 });
    const b = await fillQueue(q.queuey, 'alpha-beta', { partitions: 2, perPartition: 1 });
    await failAll(q.queuey, 'alpha', a);
    await failAll(q.queuey, 'alpha-beta', b);
    // more than one page (1000) of one partition, saved in the hook's format
    const bulk = Array.from({ length: 1100 }, (_, i) => ({
      body: JSON.stringify({
        message_id: i.toString(16).padStart(32, '0'),
        body: `bulk ${i}`,
        partition: 1,
        timestamp: '1346153731.9620111',
        queue: 'bulk-1',
      }),
      partition: 1,
    }));
    await q.queuey.postMessages(ERROR_QUEUE, bulk);
    const errors = new ErrorQueue(q.queuey);

    expect(await collect(errors.list())).toHaveLength(6 + 2 + 1100);
    expect(await collect(errors.list({ queue: 'bulk' }))).toHaveLength(1100);
    const alpha = await collect(errors.list({ queue: 'alpha' }));
    expect(alpha.map((f) => f.message.message_id).sort()).toEqual(
      a.map((m) => m.message_id).sort(),
    );
    const alpha2 = await collect(errors.list({ queue: 'alpha-2' }));
    expect(alpha2.map((f) => f.queue)).toEqual(['alpha-2', 'alpha-2']);
    const beta = await collect(errors.list({ queue: 'alpha-beta' }));
    expect(beta.map((f) => f.queue).sort()).toEqual(['alpha-beta-1', 'alpha-beta-2']);
    for (const failure of alpha) {
      expect(failure.errorId).toMatch(/^[1-7]:[0-9a-f]{32}$/);
      expect(failure.message).not.toHaveProperty('queue');
      expect(failure.failedAt).toMatch(/^\d+\.\d{7}$/);
    }
  });

  it('shows one failed message by its qdo_error id', async () => {
    await using q = await startQueuey();
    const [message] = await fillQueue(q.queuey, 'one', { partitions: 1, perPartition: 1 });
    if (!message) throw new Error('no message posted');
    await failAll(q.queuey, 'one', [message]);
    const errors = new ErrorQueue(q.queuey);
    const [listed] = await collect(errors.list());
    const shown = await errors.show(listed?.errorId ?? '');
    expect(shown).toEqual(listed);
    expect(shown?.message).toEqual(message);
    expect(await errors.show(`1:${'0'.repeat(32)}`)).toBeUndefined();
  });

  it('replays into the same queue and partition, then deletes from qdo_error', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'replay', { partitions: 4, perPartition: 2 });
    await failAll(q.queuey, 'replay', messages);
    // the worker moved on: the originals are gone from the queue
    await q.queuey.deleteMessages(
      'replay',
      messages.map((m) => ({ partition: m.partition, id: m.message_id })),
    );
    const errors = new ErrorQueue(q.queuey);

    expect(await errors.replay({ queue: 'replay-3' })).toEqual({ replayed: 2 });
    expect(await readAll(q.queuey, 'replay', 4)).toHaveLength(2);
    expect(await errors.replay()).toEqual({ replayed: 6 });

    const back = await readAll(q.queuey, 'replay', 4);
    const summary = (list: { partition: number; body: string }[]) =>
      list.map((m) => `${m.partition}:${m.body}`).sort();
    expect(summary(back)).toEqual(summary(messages));
    // oldest first within a partition, as they were
    for (let p = 1; p <= 4; p++) {
      expect(back.filter((m) => m.partition === p).map((m) => m.body)).toEqual(
        messages.filter((m) => m.partition === p).map((m) => m.body),
      );
    }
    expect(await collect(errors.list())).toEqual([]);
    expect(await readAll(q.queuey, ERROR_QUEUE, 7)).toEqual([]);
  });

  it('replays only the given ids', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'pick', { partitions: 2, perPartition: 2 });
    await failAll(q.queuey, 'pick', messages);
    const errors = new ErrorQueue(q.queuey);
    const [first] = await collect(errors.list());
    expect(await errors.replay({ ids: [first?.errorId ?? ''] })).toEqual({ replayed: 1 });
    expect(await collect(errors.list())).toHaveLength(3);
    expect(await errors.show(first?.errorId ?? '')).toBeUndefined();
  });

  it('keeps the messages in qdo_error when the replay cannot post them', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'gone', { partitions: 2, perPartition: 2 });
    await failAll(q.queuey, 'gone', messages);
    await q.queuey.deleteQueue('gone');
    const errors = new ErrorQueue(q.queuey);
    const failure = await errors.replay().catch((e: unknown) => e);
    expect(isFailureError(failure)).toBe(true);
    expect(failure).toMatchObject({ name: 'ReplayError', code: 'QDO_FAILURE_REPLAY', replayed: 0 });
    expect(await collect(errors.list())).toHaveLength(4);
  });

  it('purges one queue, or everything', async () => {
    await using q = await startQueuey();
    await failAll(
      q.queuey,
      'p1',
      await fillQueue(q.queuey, 'p1', { partitions: 2, perPartition: 3 }),
    );
    await failAll(
      q.queuey,
      'p2',
      await fillQueue(q.queuey, 'p2', { partitions: 2, perPartition: 1 }),
    );
    await q.queuey.postMessage(ERROR_QUEUE, 'not a saved failure', { partition: 1 });
    const errors = new ErrorQueue(q.queuey);

    expect(await errors.purge({ queue: 'p1-2' })).toEqual({ purged: 3 });
    expect(await errors.purge({ queue: 'p1' })).toEqual({ purged: 3 });
    expect((await collect(errors.list())).map((f) => f.queue).sort()).toEqual(['p2-1', 'p2-2']);
    expect(await errors.purge()).toEqual({ purged: 3 });
    expect(await readAll(q.queuey, ERROR_QUEUE, 7)).toEqual([]);
  });

  it('purges exactly the given ids, over more than one delete request', async () => {
    await using q = await startQueuey();
    const messages = await fillQueue(q.queuey, 'many', { partitions: 3, perPartition: 70 });
    await failAll(q.queuey, 'many', messages);
    const errors = new ErrorQueue(q.queuey);
    const all = (await collect(errors.list())).map((f) => f.errorId);
    expect(all).toHaveLength(210);
    const gone = all.filter((_, i) => i % 5 !== 0);
    expect(await errors.purgeIds(gone)).toEqual({ purged: gone.length });
    const left = (await collect(errors.list())).map((f) => f.errorId);
    expect(left.sort()).toEqual(all.filter((_, i) => i % 5 === 0).sort());
  });
});
