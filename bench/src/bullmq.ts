/** The peer: BullMQ on a local redis-server draining no-op jobs with 100-byte payloads. */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { BullmqLatencyArgs } from './bullmq-latency-child.js';
import { body100, peakRssMb } from './env.js';
import { spawnChild } from './procs.js';
import type { RedisServer } from './redis.js';
import { stamped } from './stamp.js';
import type { WorkerChildArgs } from './worker-child.js';

const QUEUE = 'bench';

/** Completed and failed jobs are removed, BullMQ's cheapest setting (in its favour). */
export async function seedBullmq(redis: RedisServer, count: number): Promise<void> {
  await redis.flush();
  const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    for (let start = 0; start < count; start += 1000) {
      const size = Math.min(1000, count - start);
      await queue.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'job',
          data: { body: body100(`m${start + j}`) },
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      );
    }
  } finally {
    await queue.close();
  }
}

export async function drainBullmq(options: {
  redis: RedisServer;
  count: number;
  concurrency: number;
}): Promise<{ rate: number; workerPeakRssMb: number; redisPeakRssMb: number }> {
  await seedBullmq(options.redis, options.count);
  const args: WorkerChildArgs = {
    kind: 'bullmq',
    port: options.redis.port,
    queue: QUEUE,
    concurrency: options.concurrency,
    expected: options.count,
  };
  const child = spawnChild('./worker-child.js', args);
  try {
    await child.next('ready');
    const start = performance.now();
    child.send({ type: 'go' });
    const done = await child.next<{ type: string; peakRssMb: number }>('done');
    return {
      rate: options.count / ((performance.now() - start) / 1000),
      workerPeakRssMb: done.peakRssMb,
      redisPeakRssMb: peakRssMb(options.redis.pid),
    };
  } finally {
    child.kill();
  }
}

/**
 * Post -> job start on BullMQ: a worker process idle in its blocking wait,
 * jobs added one at a time by `post` (the same paced poster as ours), one
 * warm-up job first. Returns the latencies of the `count` paced jobs.
 */
export async function bullmqLatency(options: {
  redis: RedisServer;
  count: number;
  concurrency: number;
  post(count: number, add: () => Promise<unknown>): Promise<void>;
}): Promise<number[]> {
  await options.redis.flush();
  const args: BullmqLatencyArgs = {
    port: options.redis.port,
    queue: QUEUE,
    concurrency: options.concurrency,
    expected: options.count + 1,
  };
  const child = spawnChild('./bullmq-latency-child.js', args);
  const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: options.redis.port } });
  const add = () =>
    queue.add('job', { body: stamped() }, { removeOnComplete: true, removeOnFail: true });
  try {
    await child.next('ready');
    const first = child.next('first');
    await add();
    await first;
    await options.post(options.count, add);
    const done = await child.next<{ type: string; latencies: number[] }>('done');
    return done.latencies.slice(1);
  } finally {
    await queue.close();
    child.kill();
  }
}

/** A BullMQ producer on an emptied Redis: `addBulk` of plain data, jobs removed on completion. */
export async function bullmqProducer(redis: RedisServer) {
  await redis.flush();
  const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
  await queue.waitUntilReady();
  return {
    addBulk: (batch: readonly unknown[]) =>
      queue.addBulk(
        batch.map((data) => ({
          name: 'job',
          data,
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      ),
    close: () => queue.close(),
  };
}
