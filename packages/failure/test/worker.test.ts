import { createLogger, isRetryLater, ManualPartitioner, Worker } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { createSaveFailedMessage, ErrorQueue, saveFailedMessage } from '../src/index.js';
import { captureLogger, collect, processed, readAll, startQueuey, until } from './queuey.js';

const quiet = createLogger({ type: 'hidden' });

/** Runs `worker` until `done()` holds, then stops it; rejects if it ended on its own with an error. */
async function runUntil(worker: Worker, done: () => boolean | Promise<boolean>) {
  const working = worker.work();
  let ended = false;
  void working.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  try {
    await until(async () => ended || (await done()));
  } finally {
    worker.stop();
    await working;
  }
}

async function queueWith(queuey: QueueyClient, queue: string, bodies: string[][]) {
  await queuey.createQueue({ queueName: queue, partitions: bodies.length });
  await queuey.postMessages(
    queue,
    bodies.flatMap((list, i) => list.map((body) => ({ body, partition: i + 1 }))),
  );
  return readAll(queuey, queue, bodies.length);
}

describe('with a real Worker', () => {
  it('keeps the messages whose job failed in qdo_error, marks all processed, and replays them', async () => {
    await using q = await startQueuey();
    const messages = await queueWith(q.queuey, 'orders', [
      ['ok 1', 'bad 1', 'ok 2'],
      ['bad 2', 'ok 3'],
      ['ok 4', 'bad 3'],
    ]);
    const seen: string[] = [];
    const worker = new Worker({
      queuey: q.queuey,
      logger: quiet,
      settings: { waitInterval: 0.02 },
      job(message) {
        seen.push(message.body);
        if (message.body.startsWith('bad')) throw new Error(`cannot handle ${message.body}`);
      },
      jobFailure: saveFailedMessage, // as `job_failure = @qdo/failure:saveFailedMessage`
    });
    const last = (p: number) => messages.filter((m) => m.partition === p).at(-1)?.message_id;
    await runUntil(worker, async () => {
      const done = await processed(q.queuey);
      return [1, 2, 3].every((p) => done[`orders-${p}`] === last(p));
    });
    expect(seen.sort()).toEqual(messages.map((m) => m.body).sort());

    const errors = new ErrorQueue(q.queuey);
    const failed = await collect(errors.list({ queue: 'orders' }));
    expect(failed.map((f) => `${f.queue} ${f.message.body}`).sort()).toEqual([
      'orders-1 bad 1',
      'orders-2 bad 2',
      'orders-3 bad 3',
    ]);
    for (const f of failed) {
      expect(f.message).toEqual(messages.find((m) => m.message_id === f.message.message_id));
    }

    // fix the job, replay, and a new worker processes exactly the failed ones
    expect(await errors.replay({ queue: 'orders' })).toEqual({ replayed: 3 });
    expect(await collect(errors.list())).toEqual([]);
    const again: string[] = [];
    const fixed = new Worker({
      queuey: q.queuey,
      logger: quiet,
      settings: { waitInterval: 0.02 },
      job(message) {
        again.push(`orders-${message.partition} ${message.body}`);
      },
    });
    await runUntil(fixed, () => again.length >= 3);
    expect(again.sort()).toEqual(['orders-1 bad 1', 'orders-2 bad 2', 'orders-3 bad 3']);
  });

  it('leaves the message unprocessed while qdo_error cannot be written (RetryLater)', async () => {
    // A body limit the original fits under but its saved copy does not: every save gets 413.
    await using q = await startQueuey({ bodyLimit: 400 });
    const [ok, bad] = await queueWith(q.queuey, 'fragile', [['fine', `bad ${'"'.repeat(150)}`]]);
    const log = captureLogger();
    const save = createSaveFailedMessage({ logger: log });
    const outcomes: unknown[] = [];
    const worker = new Worker({
      queuey: q.queuey,
      logger: quiet,
      partitioner: new ManualPartitioner(['fragile-1']),
      settings: { waitInterval: 0.02 },
      job(message) {
        if (message.body.startsWith('bad')) throw new Error('job broke');
      },
      async jobFailure(...args) {
        try {
          await save(...args);
          outcomes.push('saved');
        } catch (error) {
          outcomes.push(error);
          throw error;
        }
      },
    });
    await runUntil(worker, () => outcomes.length >= 2);
    expect(outcomes.every(isRetryLater)).toBe(true);
    expect((outcomes[0] as Error).cause).toMatchObject({ name: 'QueueyHTTPError', status: 413 });
    expect((await processed(q.queuey))['fragile-1']).toBe(ok?.message_id);
    expect(bad?.message_id).toBeDefined();
    expect(await readAll(q.queuey, 'qdo_error', 7)).toEqual([]);
  });
});
