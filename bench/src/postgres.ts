/**
 * PostgreSQL: ingest and drain through two server processes sharing one
 * throwaway PostgreSQL cluster (started by @qdo/test-utils, the fixture every
 * suite uses, loaded through tsx as it ships TypeScript), each round in a fresh schema. Ingest posts
 * half the batches to each server; the drain is two shipped `qdo-worker`
 * processes, one per server, with four partitions each.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { BenchConfig } from './config.js';
import { DRAIN_QUEUE } from './drain-run.js';
import { type Figure, figure } from './figures.js';
import { batches } from './ingest.js';
import { startServerProcess } from './server.js';
import { DRAIN_IDS, runShipped } from './shipped.js';
import { spread } from './stats.js';

interface PostgresCluster {
  url: string;
  stop(): Promise<void>;
}

const SERVERS = 2;
/** Batches in flight per server, as the SQLite ingest does for its one server. */
const IN_FLIGHT = 2;

/** @qdo/test-utils' cluster, reused rather than copied. */
async function startCluster(): Promise<PostgresCluster> {
  const require = createRequire(import.meta.url);
  const helper = require.resolve('@qdo/test-utils');
  const module = (await tsImport(pathToFileURL(helper).href, import.meta.url)) as {
    startPostgresCluster(): Promise<PostgresCluster>;
  };
  return module.startPostgresCluster();
}

interface Round {
  ingest: number;
  drain: number;
  workerPeakRssMb: number;
}

async function once(url: string, schema: string, count: number, batchSize: number) {
  const first = await startServerProcess(url, { postgresSchema: schema });
  const servers = [first];
  try {
    for (let i = 1; i < SERVERS; i++)
      servers.push(await startServerProcess(url, { postgresSchema: schema, key: first.key }));
    await first.client().createQueue({ queueName: DRAIN_QUEUE, partitions: DRAIN_IDS.length });
    const work = batches(count);
    let next = 0;
    const start = performance.now();
    await Promise.all(
      servers.flatMap((server) => {
        const client = server.client();
        return Array.from({ length: IN_FLIGHT }, async () => {
          while (next < work.length) await client.postMessages(DRAIN_QUEUE, work[next++] ?? []);
        });
      }),
    );
    const ingest = count / ((performance.now() - start) / 1000);
    const share = DRAIN_IDS.length / SERVERS;
    const targets = servers.map((server, i) => ({
      connection: server.connection,
      key: server.key,
      partitions: DRAIN_IDS.slice(i * share, (i + 1) * share),
      expected: count / SERVERS,
    }));
    const run = await runShipped(targets, { concurrency: 8, batchSize });
    return { ingest, drain: count / run.seconds, workerPeakRssMb: run.workerPeakRssMb };
  } finally {
    for (const server of servers) await server.close();
  }
}

export async function postgres(config: BenchConfig, log: (s: string) => void): Promise<Figure[]> {
  const cluster = await startCluster();
  const rounds: Round[] = [];
  try {
    log(`postgres: cluster at ${cluster.url.replace(/\/\/[^@]*@/, '//')}`);
    for (let r = 0; r < config.rounds; r++)
      rounds.push(
        await once(cluster.url, `bench_${Date.now()}_${r}`, config.ingestCount, config.batchSize),
      );
  } finally {
    await cluster.stop();
  }
  const of = (k: keyof Round) => spread(rounds.map((x) => x[k]));
  const n = config.ingestCount.toLocaleString('en');
  return [
    figure(
      'postgres.ingest',
      `PostgreSQL: ingest over HTTP, 2 servers, batches of 1000`,
      'msg/s',
      of('ingest'),
    ),
    figure(
      'postgres.drain',
      `PostgreSQL: drain ${n}, 2 shipped qdo-workers (4 partitions each) on 2 servers`,
      'msg/s',
      of('drain'),
    ),
  ];
}
