/** One drain of a seeded copy: a server process and 1..n worker processes. */
import { performance } from 'node:perf_hooks';
import { tempDir } from './env.js';
import { spawnChild } from './procs.js';
import { copyDb } from './seed.js';
import { startServerProcess } from './server.js';
import type { WorkerChildArgs } from './worker-child.js';

export const DRAIN_QUEUE = 'bench';
export const DRAIN_PARTITIONS = 8;

export interface DrainResult {
  /** Messages per second, from 'go' to the last worker done (progress committed). */
  rate: number;
  workerPeakRssMb: number;
  serverPeakRssMb: number;
}

/** Splits partitions 1..8 evenly over `processes` workers. */
export function splitPartitions(processes: number): string[][] {
  const groups: string[][] = Array.from({ length: processes }, () => []);
  for (let p = 1; p <= DRAIN_PARTITIONS; p++)
    groups[(p - 1) % processes]?.push(`${DRAIN_QUEUE}-${p}`);
  return groups;
}

export async function drainQdo(options: {
  template: string;
  count: number;
  processes: number;
  /** Per process; default the partitions it owns. */
  concurrency?: number;
  batchSize: number;
}): Promise<DrainResult> {
  const dir = tempDir('drain');
  copyDb(options.template, dir.file('q.db'));
  const server = await startServerProcess(dir.file('q.db'));
  const groups = splitPartitions(options.processes);
  const children = groups.map((partitions) => {
    const args: WorkerChildArgs = {
      kind: 'qdo',
      connection: server.connection,
      key: server.key,
      partitions: options.processes > 1 ? partitions : [],
      concurrency: options.concurrency ?? partitions.length,
      batchSize: options.batchSize,
      expected: (options.count / DRAIN_PARTITIONS) * partitions.length,
    };
    return spawnChild('./worker-child.js', args);
  });
  try {
    await Promise.all(children.map((c) => c.next('ready')));
    const start = performance.now();
    for (const c of children) c.send({ type: 'go' });
    const done = await Promise.all(
      children.map((c) => c.next<{ type: string; peakRssMb: number }>('done')),
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      rate: options.count / seconds,
      workerPeakRssMb: Math.max(...done.map((d) => d.peakRssMb)),
      serverPeakRssMb: await server.peakRssMb(),
    };
  } finally {
    for (const c of children) c.kill();
    await server.close();
    dir.remove();
  }
}
