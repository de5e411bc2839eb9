/**
 * Scale: the cost of one `since` page (limit 100) in a small and a huge
 * partition, and the drain rate with 1, 2 and 4 worker processes.
 */
import { performance } from 'node:perf_hooks';
import type { BenchConfig } from './config.js';
import { DRAIN_PARTITIONS, drainQdo } from './drain-run.js';
import { tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { seed } from './seed.js';
import { startServerProcess } from './server.js';
import { percentile, ratio, spread } from './stats.js';

const PAGE = 100;

async function sinceLatency(config: BenchConfig): Promise<Figure[]> {
  const dir = tempDir('scale');
  const db = dir.file('q.db');
  const every = 100;
  const one = { partitions: 1, partitionOf: () => 1, sampleEvery: every };
  const queues = {
    small: await seed(db, { ...one, queue: 'small', count: config.scaleSmall }),
    large: await seed(db, { ...one, queue: 'large', count: config.scaleLarge }),
  };
  const server = await startServerProcess(db);
  const client = server.client();
  const medians: Record<keyof typeof queues, number[]> = { small: [], large: [] };
  try {
    for (let r = 0; r < config.rounds; r++) {
      const samples: Record<keyof typeof queues, number[]> = { small: [], large: [] };
      // Interleaved, so both queues see the same noise of a shared machine.
      for (let i = 0; i < config.sinceReads; i++) {
        for (const name of ['small', 'large'] as const) {
          const ids = queues[name];
          const since = ids[Math.floor(Math.random() * (ids.length - 2))] as string;
          const start = performance.now();
          const page = await client.messages(name, { partition: 1, since, limit: PAGE });
          samples[name].push(performance.now() - start);
          if (page.length < PAGE - 1) throw new Error(`short page from ${name}: ${page.length}`);
        }
      }
      medians.small.push(percentile(samples.small, 50));
      medians.large.push(percentile(samples.large, 50));
    }
  } finally {
    await server.close();
    dir.remove();
  }
  const small = spread(medians.small);
  const large = spread(medians.large);
  const k = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  return [
    figure(
      'since.small',
      `since page of ${PAGE}, ${k(config.scaleSmall)} in partition`,
      'ms',
      small,
    ),
    figure(
      'since.large',
      `since page of ${PAGE}, ${k(config.scaleLarge)} in partition`,
      'ms',
      large,
    ),
    figure(
      'since.ratio',
      `since: ${k(config.scaleLarge)} / ${k(config.scaleSmall)} cost`,
      'x',
      ratio(large, small),
      {
        target: { op: '<=', value: 1.5 },
        note: 'flat = within 1.5x',
      },
    ),
  ];
}

async function processes(config: BenchConfig, template: string): Promise<Figure[]> {
  const rates: Record<number, number[]> = { 1: [], 2: [], 4: [] };
  for (let r = 0; r < config.rounds; r++) {
    for (const n of [1, 2, 4]) {
      const res = await drainQdo({
        template,
        count: config.drainCount,
        processes: n,
        batchSize: config.batchSize,
      });
      rates[n]?.push(res.rate);
    }
  }
  const total = `${DRAIN_PARTITIONS} partitions split, concurrency 8 in total`;
  return [1, 2, 4].map((n) =>
    figure(
      `scale.processes.${n}`,
      `drain with ${n} worker process(es), ${total}`,
      'msg/s',
      spread(rates[n] ?? []),
    ),
  );
}

export async function scale(config: BenchConfig, drainTemplate: string): Promise<Figure[]> {
  return [...(await sinceLatency(config)), ...(await processes(config, drainTemplate))];
}
