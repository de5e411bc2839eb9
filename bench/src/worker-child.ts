/**
 * One draining worker in its own process: ours (@qdo/core Worker) or BullMQ's.
 * Says 'ready' once set up, starts on 'go', and answers 'done' with the time
 * from go to the last expected job finished and committed, and its peak RSS.
 */
import { performance } from 'node:perf_hooks';
import { createLogger, ManualPartitioner, Worker } from '@qdo/core';
import { QueueyClient } from '@qdo/queuey-client';
import { peakRssMb } from './env.js';
import { childArgs, onMessage, reply } from './procs.js';

export type WorkerChildArgs =
  | {
      kind: 'qdo';
      connection: string;
      key: string;
      partitions?: string[];
      concurrency: number;
      batchSize: number;
      expected: number;
    }
  | { kind: 'bullmq'; port: number; queue: string; concurrency: number; expected: number };

const args = childArgs<WorkerChildArgs>();
const go = new Promise<void>((resolve) => onMessage('go', () => resolve()));
process.on('disconnect', () => process.exit(1));

async function drainQdo(a: Extract<WorkerChildArgs, { kind: 'qdo' }>): Promise<number> {
  const queuey = new QueueyClient({ connection: a.connection, appKey: a.key, timeout: 30_000 });
  let count = 0;
  const worker: Worker = new Worker({
    queuey,
    job: () => {
      count += 1;
      if (count === a.expected) worker.stop();
    },
    partitioner: new ManualPartitioner(a.partitions ?? []),
    settings: { concurrency: a.concurrency, batchSize: a.batchSize, waitInterval: 0.05 },
    logger: createLogger({ name: 'bench', minLevel: 5 }),
  });
  await reply({ type: 'ready' });
  await go;
  const start = performance.now();
  await worker.work();
  const ms = performance.now() - start;
  if (count < a.expected) throw new Error(`worker stopped after ${count} of ${a.expected} jobs`);
  return ms;
}

async function drainBullmq(a: Extract<WorkerChildArgs, { kind: 'bullmq' }>): Promise<number> {
  const { Worker: BullWorker } = await import('bullmq');
  let count = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new BullWorker(a.queue, async () => {}, {
    connection: { host: '127.0.0.1', port: a.port, maxRetriesPerRequest: null },
    concurrency: a.concurrency,
    autorun: false,
  });
  worker.on('completed', () => {
    count += 1;
    if (count === a.expected) finish();
  });
  await worker.waitUntilReady();
  await reply({ type: 'ready' });
  await go;
  const start = performance.now();
  void worker.run();
  await finished;
  const ms = performance.now() - start;
  await worker.close();
  return ms;
}

try {
  const ms = args.kind === 'qdo' ? await drainQdo(args) : await drainBullmq(args);
  await reply({ type: 'done', ms, peakRssMb: peakRssMb() });
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
