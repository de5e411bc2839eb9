/**
 * PostgreSQL at its durable defaults (fsync, synchronous_commit and
 * full_page_writes on), on a cluster of the bench's own: ingest with 1 and 4
 * producers, the drain with 1 and 2 shipped workers, post -> job latency, and
 * ingest through 1, 2 and 3 servers when each producer writes its own
 * partition. During the 4-producer ingest pg_stat_activity is sampled (where
 * the writers wait) and the CPU of PostgreSQL, the servers and the producers
 * is counted. Each measurement runs in a fresh schema.
 */
import { cpus } from 'node:os';
import type { BenchConfig } from './config.js';
import { DRAIN_QUEUE } from './drain-run.js';
import { loadAverage } from './env.js';
import { type Figure, figure } from './figures.js';
import { shippedLatencies } from './latency.js';
import {
  type BenchCluster,
  type CpuSplit,
  partitionBatches,
  produce,
  spreadBatches,
  startDurableCluster,
  testUtils,
  type WaitProfile,
  withCpu,
  withServers,
} from './postgres-load.js';
import type { ServerProcess } from './server.js';
import { DRAIN_IDS, runShipped } from './shipped.js';
import { percentile, ratio, type Spread, spread } from './stats.js';

const BATCH = 1000;
const PARTITIONS = DRAIN_IDS.length;
/** Producers of the scale-out figures, each writing its own partition. */
const SCALE_PRODUCERS = 8;
const SERVER_COUNTS = [1, 2, 3] as const;
/** Many small posts at once: what group commit is for (postgres-group-insert.ts). */
const SMALL = { producers: 32, batch: 10 };

interface Round {
  ingest1: number;
  ingest4: number;
  small: number;
  drain1: number;
  drain2: number;
  p50: number;
  p99: number;
  scale: number[];
  waits: WaitProfile;
  cpu: CpuSplit;
  scaleCpu: CpuSplit[];
  scaleWaits: WaitProfile[];
}

let schemas = 0;
const freshSchema = () => `bench_${process.pid}_${schemas++}`;

async function createQueue(server: ServerProcess | undefined): Promise<void> {
  await server?.client().createQueue({ queueName: DRAIN_QUEUE, partitions: PARTITIONS });
}

/** One producer through one server, then one shipped worker draining all partitions. */
async function single(url: string, config: BenchConfig) {
  return withServers(url, freshSchema(), 1, async (servers) => {
    await createQueue(servers[0]);
    const count = config.ingestCount;
    const ingest = await produce(servers, [spreadBatches(count, BATCH, PARTITIONS)], 1);
    const [server] = servers as [ServerProcess];
    const target = { connection: server.connection, key: server.key, partitions: DRAIN_IDS };
    const run = await runShipped([{ ...target, expected: count }], {
      concurrency: 8,
      batchSize: config.batchSize,
    });
    return { ingest, drain: count / run.seconds };
  });
}

/** Four producers through two servers (sampled and CPU-counted), then two workers. */
async function pair(cluster: BenchCluster, config: BenchConfig) {
  const sampler = await (await testUtils()).sampleWaits(cluster.url);
  return withServers(cluster.url, freshSchema(), 2, async (servers) => {
    await createQueue(servers[0]);
    const count = config.ingestCount;
    const work = [spreadBatches(count, BATCH, PARTITIONS)];
    let waits: WaitProfile;
    let measured: { result: number; cpu: CpuSplit };
    try {
      measured = await withCpu(cluster, servers, cpus().length, () => produce(servers, work, 4));
    } finally {
      waits = await sampler.stop();
    }
    const share = PARTITIONS / servers.length;
    const targets = servers.map((server, i) => ({
      connection: server.connection,
      key: server.key,
      partitions: DRAIN_IDS.slice(i * share, (i + 1) * share),
      expected: count / servers.length,
    }));
    const run = await runShipped(targets, { concurrency: 8, batchSize: config.batchSize });
    return { ingest: measured.result, cpu: measured.cpu, waits, drain: count / run.seconds };
  });
}

/** SMALL.producers producers posting SMALL.batch messages at a time, through two servers. */
async function smallPosts(url: string, config: BenchConfig): Promise<number> {
  return withServers(url, freshSchema(), 2, async (servers) => {
    await createQueue(servers[0]);
    const count = Math.max(SMALL.producers * SMALL.batch, config.ingestCount / 5);
    return produce(servers, [spreadBatches(count, SMALL.batch, PARTITIONS)], SMALL.producers);
  });
}

/** SCALE_PRODUCERS producers, each on its own partition, through `n` servers. */
async function scaleOut(cluster: BenchCluster, n: number, config: BenchConfig) {
  return withServers(cluster.url, freshSchema(), n, async (servers) => {
    await createQueue(servers[0]);
    const each = config.ingestCount / SCALE_PRODUCERS;
    const lists = Array.from({ length: SCALE_PRODUCERS }, (_, i) =>
      partitionBatches(each, BATCH, i + 1),
    );
    const sampler = await (await testUtils()).sampleWaits(cluster.url);
    let waits: WaitProfile;
    let measured: { result: number; cpu: CpuSplit };
    try {
      measured = await withCpu(cluster, servers, cpus().length, () =>
        produce(servers, lists, SCALE_PRODUCERS),
      );
    } finally {
      waits = await sampler.stop();
    }
    return { rate: measured.result, cpu: measured.cpu, waits };
  });
}

async function latency(url: string, count: number): Promise<number[]> {
  return withServers(url, freshSchema(), 1, ([server]) =>
    shippedLatencies(server as ServerProcess, count),
  );
}

async function round(
  cluster: BenchCluster,
  config: BenchConfig,
  log: (s: string) => void,
): Promise<Round> {
  const one = await single(cluster.url, config);
  log(
    `postgres: 1 producer ${one.ingest.toFixed(0)} msg/s, 1 worker ${one.drain.toFixed(0)} msg/s; load ${loadAverage()}`,
  );
  const two = await pair(cluster, config);
  log(
    `postgres: 4 producers / 2 servers ${two.ingest.toFixed(0)} msg/s, 2 workers ${two.drain.toFixed(0)} msg/s; load ${loadAverage()}`,
  );
  const small = await smallPosts(cluster.url, config);
  log(
    `postgres: ${SMALL.producers} producers of ${SMALL.batch}-message posts / 2 servers ${small.toFixed(0)} msg/s; load ${loadAverage()}`,
  );
  const scale: number[] = [];
  const scaleCpu: CpuSplit[] = [];
  const scaleWaits: WaitProfile[] = [];
  for (const n of SERVER_COUNTS) {
    const s = await scaleOut(cluster, n, config);
    scale.push(s.rate);
    scaleCpu.push(s.cpu);
    scaleWaits.push(s.waits);
  }
  log(
    `postgres: own partitions, 1/2/3 servers ${scale.map((r) => r.toFixed(0)).join('/')} msg/s; load ${loadAverage()}`,
  );
  const latencies = await latency(cluster.url, config.latencyCount);
  return {
    ingest1: one.ingest,
    drain1: one.drain,
    ingest4: two.ingest,
    small,
    drain2: two.drain,
    waits: two.waits,
    cpu: two.cpu,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    scale,
    scaleCpu,
    scaleWaits,
  };
}

/** "Lock:transactionid 61%, CPU 20%, ..." of every backend-sample. */
export function describeWaits(profile: WaitProfile): string {
  const total = Object.values(profile.events).reduce((a, b) => a + b, 0);
  if (total === 0) return `${profile.samples} samples, no busy backend`;
  return Object.entries(profile.events)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([event, n]) => `${event} ${Math.round((100 * n) / total)}%`)
    .join(', ');
}

function lockShare(profile: WaitProfile): number {
  const total = Object.values(profile.events).reduce((a, b) => a + b, 0);
  const locks = Object.entries(profile.events)
    .filter(([event]) => event.startsWith('Lock:'))
    .reduce((n, [, v]) => n + v, 0);
  return total === 0 ? 0 : locks / total;
}

const percent = (x: number) => `${Math.round(100 * x)}%`;
const describeCpu = (c: CpuSplit) =>
  `CPU of ${cpus().length} cores: PostgreSQL ${percent(c.postgres)}, servers ${percent(c.servers)}, producers ${percent(c.producers)}`;

export async function postgres(config: BenchConfig, log: (s: string) => void): Promise<Figure[]> {
  const cluster = await startDurableCluster();
  const rounds: Round[] = [];
  try {
    log(`postgres: durable cluster at ${cluster.url.replace(/\/\/[^@]*@/, '//')}`);
    for (let r = 0; r < config.rounds; r++) rounds.push(await round(cluster, config, log));
  } finally {
    await cluster.stop();
  }
  const of = (k: Exclude<keyof Round, 'scale' | 'waits' | 'cpu' | 'scaleCpu' | 'scaleWaits'>) =>
    spread(rounds.map((x) => x[k]));
  const scale = SERVER_COUNTS.map((_, i) => spread(rounds.map((x) => x.scale[i] ?? 0)));
  const last = rounds[rounds.length - 1] as Round;
  const n = config.ingestCount.toLocaleString('en');
  const durable = 'PostgreSQL (durable)';
  return [
    figure(
      'postgres.ingest.p1',
      `${durable}: ingest, 1 producer, 1 server`,
      'msg/s',
      of('ingest1'),
    ),
    figure(
      'postgres.ingest.p4',
      `${durable}: ingest, 4 producers over 2 servers (batches over 8 partitions)`,
      'msg/s',
      of('ingest4'),
      { note: describeCpu(last.cpu) },
    ),
    figure(
      'postgres.ingest.small',
      `${durable}: ingest, ${SMALL.producers} producers posting ${SMALL.batch} messages at a time over 2 servers`,
      'msg/s',
      of('small'),
    ),
    figure(
      'postgres.wait.lock',
      `${durable}: share of busy backends waiting on a lock, 4-producer ingest`,
      'x',
      spread(rounds.map((x) => lockShare(x.waits))),
      { note: describeWaits(last.waits) },
    ),
    figure(
      'postgres.drain.w1',
      `${durable}: drain ${n}, 1 shipped qdo-worker, 1 server`,
      'msg/s',
      of('drain1'),
    ),
    figure(
      'postgres.drain.w2',
      `${durable}: drain ${n}, 2 shipped qdo-workers (4 partitions each) on 2 servers`,
      'msg/s',
      of('drain2'),
    ),
    figure(
      'postgres.latency.p50',
      `${durable}: post -> job start p50, shipped qdo-worker`,
      'ms',
      of('p50'),
    ),
    figure(
      'postgres.latency.p99',
      `${durable}: post -> job start p99, shipped qdo-worker`,
      'ms',
      of('p99'),
    ),
    ...SERVER_COUNTS.map((servers, i) =>
      figure(
        `postgres.scale.s${servers}`,
        `${durable}: ingest, ${SCALE_PRODUCERS} producers on their own partitions, ${servers} server(s)`,
        'msg/s',
        scale[i] as Spread,
        {
          note: `${describeCpu(last.scaleCpu[i] as CpuSplit)}; waits: ${describeWaits(last.scaleWaits[i] as WaitProfile)}`,
        },
      ),
    ),
    figure(
      'postgres.scale.ratio',
      `${durable}: ingest 2 servers / 1 server, producers on their own partitions`,
      'x',
      ratio(scale[1] as Spread, scale[0] as Spread),
      { target: { op: '>=', value: 1.3 } },
    ),
  ];
}
