/**
 * The peer's side of the latency run: a BullMQ Worker in its own process,
 * idle in its blocking wait on Redis, recording for each job the time since
 * the poster stamped its body (the same CLOCK_MONOTONIC stamp as ours). Says
 * 'ready' once connected, 'first' after the warm-up job, and 'done' with the
 * latencies once `expected` jobs (warm-up included) have started.
 */
import { Worker } from 'bullmq';
import { childArgs, reply } from './procs.js';
import { sinceStamp } from './stamp.js';

export interface BullmqLatencyArgs {
  port: number;
  queue: string;
  concurrency: number;
  expected: number;
}

const args = childArgs<BullmqLatencyArgs>();
process.on('disconnect', () => process.exit(1));

const latencies: number[] = [];
let finish: () => void = () => {};
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});
const worker = new Worker(
  args.queue,
  async (job) => {
    latencies.push(sinceStamp((job.data as { body: string }).body));
    if (latencies.length === 1) void reply({ type: 'first' });
    if (latencies.length === args.expected) finish();
  },
  {
    connection: { host: '127.0.0.1', port: args.port, maxRetriesPerRequest: null },
    concurrency: args.concurrency,
  },
);
try {
  await worker.waitUntilReady();
  await reply({ type: 'ready' });
  await finished;
  await worker.close();
  await reply({ type: 'done', latencies });
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
