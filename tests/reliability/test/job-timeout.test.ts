// A job that never settles: with jobTimeout it goes to job_failure after N
// seconds, the partition goes on, and the stuck promise is left behind.
import { isQdoError, type Logger, type Message, Worker } from '@qdo/core';
import { afterEach, expect, test } from 'vitest';
import { until } from './support/env.js';
import { type Fixture, startFixture } from './support/fixture.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

test('a job that never settles fails to job_failure after jobTimeout and its partition keeps going', async () => {
  fx = await startFixture('timeout');
  await fx.client.createQueue({ queueName: 'stuck', partitions: 2 });
  const bodies = ['a', 'never', 'b', 'c', 'never', 'd'];
  for (const body of bodies) await fx.client.postMessage('stuck', body, { partition: 1 });
  await fx.client.postMessage('stuck', 'other', { partition: 2 });

  const done: string[] = [];
  const failures: { body: string; error: unknown; at: number }[] = [];
  const started = new Map<string, number>();
  let abandoned = 0;
  const worker = new Worker({
    queuey: fx.client,
    logger: quiet,
    settings: { jobTimeout: 1, concurrency: 2, batchSize: 3, waitInterval: 0.05, longPoll: 1 },
    job: (message: Message) => {
      started.set(message.message_id, Date.now());
      if (message.body === 'never') {
        abandoned += 1;
        return new Promise(() => {}); // settles never
      }
      done.push(message.body);
    },
    jobFailure: (message, _context, queue, error) => {
      expect(queue).toBe('stuck-1');
      failures.push({
        body: message.body,
        error,
        at: Date.now() - (started.get(message.message_id) ?? 0),
      });
    },
  });
  const working = worker.work();
  try {
    await until('every message handled', () => done.length === 5 && failures.length === 2, 20_000);
  } finally {
    worker.stop();
  }
  await working; // resolves although two job promises are still pending
  expect(done).toContain('other');
  expect(done.filter((b) => b !== 'other')).toEqual(['a', 'b', 'c', 'd']);
  expect(abandoned).toBe(2);
  for (const failure of failures) {
    expect(failure.body).toBe('never');
    expect(isQdoError(failure.error) && (failure.error as Error).name).toBe('JobTimeoutError');
    expect(failure.at).toBeGreaterThanOrEqual(950);
    expect(failure.at).toBeLessThan(5_000);
  }
  console.log(`[job-timeout] stuck jobs failed after ${failures.map((f) => f.at).join(', ')} ms`);
  // Progress went past the stuck messages: the last one of stuck-1 is committed.
  const status = await fx.client.get('qdo_status', { partitions: '1', limit: 100 });
  const last = (
    await fx.client.messages('stuck', { partition: 1, order: 'descending', limit: 1 })
  )[0];
  const bodies1 = (status as { messages: { body: string }[] }).messages.map((m) =>
    JSON.parse(m.body),
  );
  expect(bodies1).toContainEqual(
    expect.objectContaining({ partition: 'stuck-1', processed: last?.message_id }),
  );
});
