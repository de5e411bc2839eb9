// A job that runs too long: with jobTimeout its signal aborts after N
// seconds, it goes to job_failure once it settled and the partition goes on.
// A job that ignores its signal marks its partition stuck; the others go on.
import {
  isQdoError,
  type Logger,
  type Message,
  type Metrics,
  type PartitionProgress,
  StatusAdmin,
  Worker,
} from '@qdo/core';
import { afterEach, expect, test } from 'vitest';
import { until } from './support/env.js';
import { type Fixture, startFixture } from './support/fixture.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

test('a job past jobTimeout is aborted, fails to job_failure and its partition keeps going', async () => {
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
    job: (message: Message, _context, { signal }) => {
      started.set(message.message_id, Date.now());
      if (message.body === 'never') {
        abandoned += 1;
        // would never settle on its own; gives up when its signal aborts
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
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
  await working;
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

test('a job that ignores its signal marks its partition stuck; the other partition drains', async () => {
  fx = await startFixture('stuck');
  await fx.client.createQueue({ queueName: 'stuck', partitions: 2 });
  const [ignoring] = await fx.client.postMessages('stuck', [
    { body: 'ignore', partition: 1 },
    { body: 'after', partition: 1 },
  ]);
  const others = Array.from({ length: 30 }, (_, i) => ({ body: `${i}`, partition: 2 }));
  await fx.client.postMessages('stuck', others);
  const errors: string[] = [];
  const gauges: string[] = [];
  const metrics: Metrics = {
    timing() {},
    increment() {},
    gauge: (name, value, labels) => void gauges.push(`${name} ${labels?.partition} ${value}`),
  };
  const done: string[] = [];
  const worker = new Worker({
    queuey: fx.client,
    logger: { ...quiet, error: (text: unknown) => void errors.push(String(text)) },
    metrics,
    settings: { jobTimeout: 0.3, abortGrace: 0.3, shutdownTimeout: 0.5, concurrency: 2 },
    job: (message: Message) => {
      if (message.body === 'ignore') return new Promise(() => {});
      done.push(`${message.partition}:${message.body}`);
    },
  });
  const working = worker.work();
  await until('stuck-1 reported stuck', () => worker.stuckPartitions().includes('stuck-1'));
  await until('stuck-2 drained', () => done.filter((d) => d.startsWith('2:')).length === 30);
  expect(worker.stuckPartitions()).toEqual(['stuck-1']);
  expect(done).not.toContain('1:after'); // the stuck partition does not go past its job
  expect(errors.join('\n')).toMatch(/stuck-1 is stuck/);
  expect(errors.join('\n')).toContain(ignoring?.key);
  expect(gauges).toContain('worker.stuck stuck-1 1');
  expect(worker.ready()).toBe(true); // reported stuck counts as accounted for
  // Recorded on the server for `qdo status`, which reads it the same way.
  const reader = new StatusAdmin(fx.client, 'reader');
  let status: PartitionProgress[] = [];
  await until('stuck-1 stuck on the server', async () => {
    status = await reader.describeAll(['stuck-1', 'stuck-2']);
    return status[0]?.stuck !== undefined;
  });
  expect(status[0]?.stuck?.message).toBe(ignoring?.key);
  expect(status[1]?.stuck).toBeUndefined();
  worker.stop();
  const error = await working.catch((e) => e);
  expect(error).toMatchObject({ name: 'UncleanShutdownError', code: 'QDO_UNCLEAN_SHUTDOWN' });
  expect(error.unsaved).toEqual([
    { partition: 'stuck-1', reason: `job on ${ignoring?.key} did not settle` },
  ]);
});
