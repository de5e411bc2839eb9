/**
 * The drain a user runs: the built `qdo-worker` bin of @qdo/cli, started
 * from an INI file (Prometheus metrics and logging as by default, a no-op
 * job from shipped-hooks.ts), against a server process on a seeded copy.
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

export function shippedIni(o: {
  connection: string;
  key: string;
  concurrency: number;
  batchSize: number;
}): string {
  const ids = Array.from({ length: DRAIN_PARTITIONS }, (_, i) => `${DRAIN_QUEUE}-${i + 1}`);
  return [
    '[qdo-worker]',
    `job = ${HOOKS}:job`,
    `job_context = ${HOOKS}:jobContext`,
    `concurrency = ${o.concurrency}`,
    `batch_size = ${o.batchSize}`,
    '',
    '[partitions]',
    'policy = manual',
    `ids = ${ids.join(', ')}`,
    '',
    '[queuey]',
    `connection = ${o.connection}`,
    `app_key = ${o.key}`,
    '',
  ].join('\n');
}

export async function drainShipped(options: {
  template: string;
  count: number;
  concurrency: number;
  batchSize: number;
}): Promise<DrainResult> {
  const dir = tempDir('shipped');
  copyDb(options.template, dir.file('q.db'));
  const server = await startServerProcess(dir.file('q.db'));
  const ini = dir.file('qdo-worker.conf');
  writeFileSync(ini, shippedIni({ ...options, connection: server.connection, key: server.key }));
  const worker = spawnNode(qdoWorkerBin(), ['-c', ini], {
    env: { ...process.env, QDO_BENCH_EXPECTED: String(options.count) },
    quiet: true,
  });
  try {
    await worker.next('ready');
    const start = performance.now();
    worker.send({ type: 'go' });
    const done = await worker.next<{ type: string; count: number; peakRssMb: number }>('done');
    const seconds = (performance.now() - start) / 1000;
    const code = await worker.exited;
    if (code !== 0 || done.count !== options.count)
      throw new Error(`qdo-worker exited ${code} after ${done.count} jobs:\n${worker.output()}`);
    return {
      rate: options.count / seconds,
      workerPeakRssMb: done.peakRssMb,
      serverPeakRssMb: await server.peakRssMb(),
    };
  } catch (error) {
    throw new Error(`shipped drain failed: ${(error as Error).message}\n${worker.output()}`, {
      cause: error,
    });
  } finally {
    worker.kill();
    await server.close();
    dir.remove();
  }
}
