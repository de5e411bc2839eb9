/**
 * The drain a user runs: the built `qdo-worker` bin of @qdo/cli, started
 * from an INI file (Prometheus metrics and logging as by default, a no-op
 * job, or a no-op batch hook, from shipped-hooks.ts), against a server
 * process on a seeded copy.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DRAIN_PARTITIONS, DRAIN_QUEUE, type DrainResult } from './drain-run.js';
import { tempDir } from './env.js';
import { spawnNode } from './procs.js';
import { copyDb } from './seed.js';
import { startServerProcess } from './server.js';

/** The path of the built `qdo-worker` bin, as its package declares it. */
export function qdoWorkerBin(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@qdo/cli/package.json');
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['qdo-worker'] as string);
}

const HOOKS = fileURLToPath(new URL('./shipped-hooks.js', import.meta.url));

/** Partitions `${DRAIN_QUEUE}-1..8`. */
export const DRAIN_IDS = Array.from(
  { length: DRAIN_PARTITIONS },
  (_, i) => `${DRAIN_QUEUE}-${i + 1}`,
);

export interface ShippedTarget {
  connection: string;
  key: string;
  partitions: readonly string[];
  /** Jobs this worker runs before it stops itself. */
  expected: number;
}

/** The worker's settings in a drain; `batchHook`: the no-op `job_batch` instead of `job`. */
export interface ShippedOptions {
  concurrency: number;
  batchSize: number;
  batchHook?: boolean;
}

export function shippedIni(target: ShippedTarget, o: ShippedOptions): string {
  return [
    '[qdo-worker]',
    o.batchHook ? `job_batch = ${HOOKS}:jobBatch` : `job = ${HOOKS}:job`,
    `job_context = ${HOOKS}:jobContext`,
    `concurrency = ${o.concurrency}`,
    `batch_size = ${o.batchSize}`,
    '',
    '[partitions]',
    'policy = manual',
    `ids = ${target.partitions.join(', ')}`,
    '',
    '[queuey]',
    `connection = ${target.connection}`,
    `app_key = ${target.key}`,
    '',
  ].join('\n');
}

/**
 * One `qdo-worker` process per target, all started together on 'go'; the
 * time until the last one has stopped itself (final commit included).
 */
export async function runShipped(
  targets: readonly ShippedTarget[],
  o: ShippedOptions,
): Promise<{
  seconds: number;
  workerPeakRssMb: number;
  workerLoadedRssMb: number;
  /** CPU time of all the workers from 'go' to their teardown. */
  workerCpuMs: number;
}> {
  const dir = tempDir('shipped');
  const workers = targets.map((target, i) => {
    const ini = dir.file(`qdo-worker-${i}.conf`);
    writeFileSync(ini, shippedIni(target, o));
    return spawnNode(qdoWorkerBin(), ['-c', ini], {
      env: { ...process.env, QDO_BENCH_EXPECTED: String(target.expected) },
      quiet: true,
    });
  });
  try {
    await Promise.all(workers.map((w) => w.next('ready')));
    const start = performance.now();
    for (const w of workers) w.send({ type: 'go' });
    const done = await withDeadline(
      Promise.all(
        workers.map((w) =>
          w.next<{
            type: string;
            count: number;
            cpuMs: number;
            peakRssMb: number;
            loadedRssMb: number;
          }>('done'),
        ),
      ),
      deadlineMs(targets),
    );
    const seconds = (performance.now() - start) / 1000;
    const codes = await Promise.all(workers.map((w) => w.exited));
    targets.forEach((t, i) => {
      if (codes[i] !== 0 || done[i]?.count !== t.expected)
        throw new Error(
          `qdo-worker exited ${codes[i]} after ${done[i]?.count} of ${t.expected} jobs`,
        );
    });
    return {
      seconds,
      workerPeakRssMb: Math.max(...done.map((d) => d.peakRssMb)),
      workerLoadedRssMb: Math.max(...done.map((d) => d.loadedRssMb)),
      workerCpuMs: done.reduce((sum, d) => sum + d.cpuMs, 0),
    };
  } catch (error) {
    const output = workers.map((w) => w.output()).join('\n---\n');
    throw new Error(`shipped drain failed: ${(error as Error).message}\n${output}`, {
      cause: error,
    });
  } finally {
    for (const w of workers) w.kill();
    dir.remove();
  }
}

/** Generous: a stuck worker fails the run (CI's smoke run included) instead of hanging it. */
function deadlineMs(targets: readonly ShippedTarget[]): number {
  return 60_000 + Math.max(...targets.map((t) => t.expected));
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The headline drain: one `qdo-worker` over the 8 partitions of a seeded SQLite copy (or its batch-hook twin). */
export async function drainShipped(options: {
  template: string;
  count: number;
  concurrency: number;
  batchSize: number;
  batchHook?: boolean;
}): Promise<DrainResult & { workerLoadedRssMb: number; workerCpuUsPerMessage: number }> {
  const dir = tempDir('shipped-db');
  copyDb(options.template, dir.file('q.db'));
  const server = await startServerProcess(dir.file('q.db'));
  try {
    const { connection, key } = server;
    const target = { connection, key, partitions: DRAIN_IDS, expected: options.count };
    const run = await runShipped([target], options);
    return {
      rate: options.count / run.seconds,
      workerPeakRssMb: run.workerPeakRssMb,
      workerLoadedRssMb: run.workerLoadedRssMb,
      workerCpuUsPerMessage: (run.workerCpuMs * 1000) / options.count,
      serverPeakRssMb: await server.peakRssMb(),
    };
  } finally {
    await server.close();
    dir.remove();
  }
}
