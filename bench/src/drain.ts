/**
 * Drain: the shipped `qdo-worker` (c8) as the headline, the same with a
 * no-op batch hook (`job_batch`) beside its own read ceiling, our library Worker
 * over 8 partitions (concurrency 1 and 8: 8 partitions is its most
 * parallelism), the read ceiling on the same rows, BullMQ at concurrency 1
 * and 50, and the original algorithm on a smaller count, all in the same
 * run, round by round.
 */
import { drainBullmq } from './bullmq.js';
import type { BenchConfig } from './config.js';
import { DRAIN_PARTITIONS, DRAIN_QUEUE, drainQdo } from './drain-run.js';
import { type TempDir, tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { drainOriginal } from './original.js';
import { readCeilingOnce } from './read-ceiling.js';
import { startRedis } from './redis.js';
import { copyDb, seed } from './seed.js';
import { startServerProcess } from './server.js';
import { drainShipped } from './shipped.js';
import { ratio, spread } from './stats.js';

export interface DrainTemplates {
  dir: TempDir;
  drain: string;
  original: string;
}

export async function drainTemplates(config: BenchConfig): Promise<DrainTemplates> {
  const dir = tempDir('templates');
  const drain = dir.file('drain.db');
  const original = dir.file('original.db');
  const base = { queue: DRAIN_QUEUE, partitions: DRAIN_PARTITIONS };
  await seed(drain, { ...base, count: config.drainCount });
  await seed(original, { ...base, count: config.originalCount });
  return { dir, drain, original };
}

async function originalOnce(template: string, count: number): Promise<number> {
  const dir = tempDir('original');
  copyDb(template, dir.file('q.db'));
  const server = await startServerProcess(dir.file('q.db'));
  try {
    const client = server.client();
    return await drainOriginal({
      client,
      queue: DRAIN_QUEUE,
      partitions: DRAIN_PARTITIONS,
      expected: count,
    });
  } finally {
    await server.close();
    dir.remove();
  }
}

export async function drain(config: BenchConfig, templates: DrainTemplates): Promise<Figure[]> {
  const redis = await startRedis();
  const v: Record<string, number[]> = {};
  const add = (k: string, n: number) => {
    v[k] ??= [];
    v[k].push(n);
  };
  try {
    for (let r = 0; r < config.rounds; r++) {
      const run = { template: templates.drain, count: config.drainCount, processes: 1 };
      const ceiling = () =>
        readCeilingOnce({
          template: templates.drain,
          queue: DRAIN_QUEUE,
          partitions: DRAIN_PARTITIONS,
          batchSize: config.batchSize,
          expected: config.drainCount,
        });
      // The ceiling just before and just after the shipped drain, averaged:
      // this VM's speed drifts within seconds, and the ratio should compare
      // the two at the same moment.
      const ceilingBefore = ceiling();
      const shipped = await drainShipped({ ...run, concurrency: 8, batchSize: config.batchSize });
      add('ceiling', (ceilingBefore + ceiling()) / 2);
      add('shipped8', shipped.rate);
      add('shippedRss8', shipped.workerPeakRssMb);
      add('shippedCpu8', shipped.workerCpuUsPerMessage);
      add('shippedLoadedRss', shipped.workerLoadedRssMb);
      add('serverRssShipped', shipped.serverPeakRssMb);
      // The batch hook takes the per-message job out: what is left is the
      // loop's own read, decode and commit, against a ceiling of its own.
      const batchCeilingBefore = ceiling();
      const batched = await drainShipped({
        ...run,
        concurrency: 8,
        batchSize: config.batchSize,
        batchHook: true,
      });
      add('batchCeiling', (batchCeilingBefore + ceiling()) / 2);
      add('shippedBatch8', batched.rate);
      add('shippedBatchCpu8', batched.workerCpuUsPerMessage);
      for (const concurrency of [1, 8]) {
        const res = await drainQdo({ ...run, concurrency, batchSize: config.batchSize });
        add(`ours${concurrency}`, res.rate);
        add(`oursRss${concurrency}`, res.workerPeakRssMb);
        add(`serverRss${concurrency}`, res.serverPeakRssMb);
      }
      for (const concurrency of [1, 50]) {
        const res = await drainBullmq({ redis, count: config.drainCount, concurrency });
        add(`bull${concurrency}`, res.rate);
        add(`bullRss${concurrency}`, res.workerPeakRssMb);
        add('redisRss', res.redisPeakRssMb);
      }
      add('original', await originalOnce(templates.original, config.originalCount));
    }
  } finally {
    await redis.stop();
  }
  const s = (k: string) => spread(v[k] ?? []);
  const n = config.drainCount.toLocaleString('en');
  const batch = `batch ${config.batchSize}`;
  return [
    figure(
      'drain.shipped.c8',
      `drain ${n}: shipped qdo-worker, INI, Prometheus, concurrency 8, ${batch}`,
      'msg/s',
      s('shipped8'),
    ),
    figure(
      'drain.shipped.batch.c8',
      `drain ${n}: shipped qdo-worker, no-op job_batch hook, concurrency 8, ${batch}`,
      'msg/s',
      s('shippedBatch8'),
    ),
    figure('drain.ours.c1', `drain ${n}: library Worker, concurrency 1`, 'msg/s', s('ours1')),
    figure('drain.ours.c8', `drain ${n}: library Worker, concurrency 8`, 'msg/s', s('ours8')),
    figure(
      'drain.ceiling',
      `read ceiling: SQLite read + JSON encode/decode, ${batch}, 1 process, mean of runs before and after the shipped drain`,
      'msg/s',
      s('ceiling'),
    ),
    figure('drain.bullmq.c1', `drain ${n}: BullMQ, concurrency 1`, 'msg/s', s('bull1')),
    figure('drain.bullmq.c50', `drain ${n}: BullMQ, concurrency 50`, 'msg/s', s('bull50')),
    figure(
      'drain.original',
      `drain ${config.originalCount.toLocaleString('en')}: original algorithm`,
      'msg/s',
      s('original'),
    ),
    figure(
      'drain.ratio.shipped.bullmq',
      'drain: shipped c8 / BullMQ c50',
      'x',
      ratio(s('shipped8'), s('bull50')),
      { target: { op: '>=', value: 4.5 } },
    ),
    figure(
      'drain.ratio.shipped.ceiling',
      'drain: shipped c8 / read ceiling',
      'x',
      ratio(s('shipped8'), s('ceiling')),
      { target: { op: '>=', value: 0.4 } },
    ),
    figure(
      'drain.ratio.shipped.batch.ceiling',
      'drain: shipped c8 with a no-op batch hook / read ceiling (mean of runs before and after it)',
      'x',
      ratio(s('shippedBatch8'), s('batchCeiling')),
      { target: { op: '>=', value: 0.8 } },
    ),
    figure(
      'drain.ratio.shipped.library',
      'drain: shipped c8 / library c8',
      'x',
      ratio(s('shipped8'), s('ours8')),
    ),
    figure(
      'drain.ratio.bullmq.c50',
      'drain: library c8 / BullMQ c50',
      'x',
      ratio(s('ours8'), s('bull50')),
    ),
    figure(
      'drain.ratio.bullmq.c1',
      'drain: library c1 / BullMQ c1',
      'x',
      ratio(s('ours1'), s('bull1')),
    ),
    figure(
      'drain.ratio.original',
      'drain: library c1 / original algorithm',
      'x',
      ratio(s('ours1'), s('original')),
      { target: { op: '>=', value: 50 } },
    ),
    figure(
      'cpu.shipped.c8',
      'CPU per message: shipped qdo-worker, c8 drain (user + system)',
      'us',
      s('shippedCpu8'),
    ),
    figure(
      'cpu.shipped.batch.c8',
      'CPU per message: shipped qdo-worker, no-op batch hook, c8 drain (user + system)',
      'us',
      s('shippedBatchCpu8'),
    ),
    figure('memory.shipped.c8', 'peak RSS: shipped qdo-worker, c8 drain', 'MB', s('shippedRss8'), {
      target: { op: '<=', value: 120 },
    }),
    figure(
      'memory.shipped.loaded',
      'peak RSS: shipped qdo-worker before the drain (loaded, idle)',
      'MB',
      s('shippedLoadedRss'),
    ),
    figure('memory.worker.c8', 'peak RSS: library Worker process, c8 drain', 'MB', s('oursRss8')),
    figure('memory.worker.c1', 'peak RSS: library Worker process, c1 drain', 'MB', s('oursRss1')),
    figure('memory.server', 'peak RSS: our server, shipped c8 drain', 'MB', s('serverRssShipped')),
    figure('memory.bullmq.c50', 'peak RSS: BullMQ worker, c50 drain', 'MB', s('bullRss50')),
    figure('memory.redis', 'peak RSS: redis-server (whole run)', 'MB', s('redisRss')),
  ];
}
