/** The peer: BullMQ on a local redis-server draining no-op jobs with 100-byte payloads. */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { body100, peakRssMb } from './env.js';
import { spawnChild } from './procs.js';
import type { RedisServer } from './redis.js';
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
