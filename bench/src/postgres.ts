/**
 * PostgreSQL at its durable defaults (fsync, synchronous_commit and
 * full_page_writes on), on a cluster of the bench's own: ingest with 1 and 4
 * producers, the drain with 1 and 2 shipped workers, post -> job latency, and
 * ingest through 1, 2 and 3 servers when each producer writes its own
 * partition: as they run, with each server held to a quarter of a core (as
 * if on a host of its own), and beside the storage called in this process
 * with no HTTP (PostgreSQL's ceiling on this machine). During the
 * 4-producer ingest and the scale-out pg_stat_activity is sampled (where the
 * writers wait) and the CPU of PostgreSQL, the servers and the producers is
 * counted. Each measurement runs in a fresh schema.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchConfig } from './config.js';
import { cpuQuota } from './cpu-quota.js';
import { DRAIN_QUEUE } from './drain-run.js';
import { loadAverage } from './env.js';
import { type Figure, figure } from './figures.js';
import { oursOnce as sqliteIngest } from './ingest.js';
import { shippedLatencies, shippedOnce as sqliteLatencies } from './latency.js';
import {
  type BenchCluster,
  type CpuSplit,
  partitionBatches,
  produce,
  spreadBatches,
  startDurableCluster,
  testUtils,
  type WaitProfile,
  warmUp,
  withCpu,
  withSchema,
  withServers,
} from './postgres-load.js';
import { type ServerProcess, WARM_QUEUE } from './server.js';
import { DRAIN_IDS, runShipped } from './shipped.js';
import { percentile, ratio, type Spread, spread } from './stats.js';

const BATCH = 1000;
const PARTITIONS = DRAIN_IDS.length;
/** Producers of the scale-out figures, each writing its own partition. */
const SCALE_PRODUCERS = 8;
const SERVER_COUNTS = [1, 2, 3] as const;
/**
 * The share of a core each server may use in the held scale-out rounds
 * (cpu-quota.ts): low enough that one server is the bound, not PostgreSQL
 * or the machine, as with servers on hosts of their own.
 */
const QUOTA_CORES = 0.25;
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
  /** SQLite's, measured in the same round next to PostgreSQL's (the ratios' denominators). */
  sqliteIngest: number;
  sqliteP50: number;
  scale: number[];
  waits: WaitProfile;
  cpu: CpuSplit;
  scaleCpu: CpuSplit[];
  scaleWaits: WaitProfile[];
  /** Servers held to QUOTA_CORES each; undefined when no quota could be set. */
  held?: { rates: number[]; cpu: CpuSplit[] };
  /** The storage in this process, no HTTP, the scale-out's writers. */
  ceiling: number;
}

async function createQueue(server: ServerProcess | undefined): Promise<void> {
  await server?.client().createQueue({ queueName: DRAIN_QUEUE, partitions: PARTITIONS });
}

/** One producer through one server, then one shipped worker draining all partitions. */
async function single(url: string, config: BenchConfig) {
  return withServers(url, 1, async (servers) => {
    await createQueue(servers[0]);
    const count = config.ingestCount;
    const work = [spreadBatches(count, BATCH, PARTITIONS)];
    await warmUp(servers, work, 1);
    const ingest = await produce(servers, work, 1);
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
  return withServers(cluster.url, 2, async (servers) => {
    await createQueue(servers[0]);
    const count = config.ingestCount;
    const work = [spreadBatches(count, BATCH, PARTITIONS)];
    await warmUp(servers, work, 4);
    const measured = await sampled(cluster, servers, () => produce(servers, work, 4));
    const share = PARTITIONS / servers.length;
    const targets = servers.map((server, i) => ({
      connection: server.connection,
      key: server.key,
      partitions: DRAIN_IDS.slice(i * share, (i + 1) * share),
      expected: count / servers.length,
    }));
    const run = await runShipped(targets, { concurrency: 8, batchSize: config.batchSize });
    const { result: ingest, cpu, waits } = measured;
    return { ingest, cpu, waits, drain: count / run.seconds };
  });
}

/** `work` with pg_stat_activity sampled (where the writers wait) and each side's CPU counted. */
async function sampled<T>(
  cluster: BenchCluster,
  servers: readonly ServerProcess[],
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit; waits: WaitProfile }> {
  const sampler = await (await testUtils()).sampleWaits(cluster.url);
  let measured: { result: T; cpu: CpuSplit };
  try {
    measured = await withCpu(cluster, servers, cpus().length, work);
  } catch (error) {
    await sampler.stop();
    throw error;
  }
  return { ...measured, waits: await sampler.stop() };
}

/** SMALL.producers producers posting SMALL.batch messages at a time, through two servers. */
async function smallPosts(url: string, config: BenchConfig): Promise<number> {
  return withServers(url, 2, async (servers) => {
    await createQueue(servers[0]);
    const count = Math.max(SMALL.producers * SMALL.batch, config.ingestCount / 5);
    const work = [spreadBatches(count, SMALL.batch, PARTITIONS)];
    await warmUp(servers, work, SMALL.producers);
    return produce(servers, work, SMALL.producers);
  });
}

/**
 * SCALE_PRODUCERS producers, each on its own partition, through `n` servers,
 * each held to `quota` of a core when given.
 */
async function scaleOut(cluster: BenchCluster, n: number, config: BenchConfig, quota?: number) {
  return withServers(cluster.url, n, async (servers) => {
    await createQueue(servers[0]);
    const held = quota === undefined ? [] : servers.map(() => cpuQuota(quota));
    try {
      for (const [i, group] of held.entries()) {
        if ('unavailable' in group) return { unavailable: group.unavailable };
        group.add((servers[i] as ServerProcess).pid);
      }
      return await scaleRun(cluster, servers, config);
    } finally {
      for (const group of held) if (!('unavailable' in group)) group.close();
    }
  });
}

/** The scale-out's producers through `servers`: msg/s, the CPU split and the waits. */
async function scaleRun(cluster: BenchCluster, servers: ServerProcess[], config: BenchConfig) {
  const lists = ownPartitions(config);
  await warmUp(servers, lists, SCALE_PRODUCERS);
  const {
    result: rate,
    cpu,
    waits,
  } = await sampled(cluster, servers, () => produce(servers, lists, SCALE_PRODUCERS));
  return { rate, cpu, waits };
}

/** The scale-out's load: batches for each of SCALE_PRODUCERS producers, each into a partition of its own. */
function ownPartitions(config: BenchConfig) {
  const each = config.ingestCount / SCALE_PRODUCERS;
  return Array.from({ length: SCALE_PRODUCERS }, (_, i) => partitionBatches(each, BATCH, i + 1));
}

/**
 * What PostgreSQL takes on this machine with no server in between: the
 * scale-out's writers (each its own partition, one batch in flight) calling
 * the storage in this process, through two pools.
 */
async function storageCeiling(url: string, config: BenchConfig): Promise<number> {
  const { openPostgresStorage } = await import('@qdo/queuey-server/postgres');
  return withSchema(url, async (schema) => {
    const storages = [
      await openPostgresStorage({ url, schema }),
      await openPostgresStorage({ url, schema }),
    ];
    try {
      for (const name of [DRAIN_QUEUE, WARM_QUEUE])
        await storages[0]?.putQueue({
          application: 'bench',
          name,
          partitions: PARTITIONS,
          type: 'user',
          consistency: 'strong',
          principles: [],
          created: Math.floor(Date.now() / 1000),
        });
      const lists = ownPartitions(config).map((list) =>
        list.map((batch) => batch.map((m) => ({ ...m, ttl: 3600 }))),
      );
      const write = (queue: string) =>
        Promise.all(
          lists.map(async (list, i) => {
            const storage = storages[i % storages.length];
            for (const batch of list)
              await storage?.insertMessages('bench', queue, batch, Date.now());
          }),
        );
      await write(WARM_QUEUE); // as the servers are warmed
      const start = performance.now();
      await write(DRAIN_QUEUE);
      return config.ingestCount / ((performance.now() - start) / 1000);
    } finally {
      for (const storage of storages) await storage.close();
    }
  });
}

async function latency(url: string, count: number): Promise<number[]> {
  return withServers(url, 1, ([server]) => shippedLatencies(server as ServerProcess, count));
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
  const sqliteRate = await sqliteIngest(config.ingestCount);
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
    if ('unavailable' in s) throw new Error(s.unavailable);
    scale.push(s.rate);
    scaleCpu.push(s.cpu);
    scaleWaits.push(s.waits);
  }
  log(
    `postgres: own partitions, 1/2/3 servers ${scale.map((r) => r.toFixed(0)).join('/')} msg/s; load ${loadAverage()}`,
  );
  const held: number[] = [];
  const heldCpu: CpuSplit[] = [];
  for (const n of SERVER_COUNTS) {
    const s = await scaleOut(cluster, n, config, QUOTA_CORES);
    if ('unavailable' in s) {
      log(`postgres: servers held to ${QUOTA_CORES} core each not measured: ${s.unavailable}`);
      break;
    }
    held.push(s.rate);
    heldCpu.push(s.cpu);
  }
  if (held.length > 0)
    log(
      `postgres: own partitions, servers held to ${QUOTA_CORES} core each, 1/2/3 servers ${held.map((r) => r.toFixed(0)).join('/')} msg/s; load ${loadAverage()}`,
    );
  const ceiling = await storageCeiling(cluster.url, config);
  log(`postgres: storage in-process, no HTTP, own partitions ${ceiling.toFixed(0)} msg/s`);
  const sqliteP50 = percentile(await sqliteLatencies(config.latencyCount), 50);
  const latencies = await latency(cluster.url, config.latencyCount);
  log(
    `postgres: beside SQLite in this round: ingest ${(two.ingest / sqliteRate).toFixed(2)}x, p50 ${(percentile(latencies, 50) / sqliteP50).toFixed(2)}x`,
  );
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
    sqliteIngest: sqliteRate,
    sqliteP50,
    scale,
    scaleCpu,
    scaleWaits,
    ...(held.length === SERVER_COUNTS.length ? { held: { rates: held, cpu: heldCpu } } : {}),
    ceiling,
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
  const of = (
    k: Exclude<keyof Round, 'scale' | 'waits' | 'cpu' | 'scaleCpu' | 'scaleWaits' | 'held'>,
  ) => spread(rounds.map((x) => x[k]));
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
    figure(
      'postgres.sqlite.ingest',
      'SQLite beside it: ingest over HTTP in the same rounds (1 producer, 1 server)',
      'msg/s',
      of('sqliteIngest'),
    ),
    figure(
      'postgres.sqlite.p50',
      'SQLite beside it: post -> job start p50 in the same rounds, shipped qdo-worker',
      'ms',
      of('sqliteP50'),
    ),
    figure(
      'postgres.ratio.ingest',
      'ingest: PostgreSQL 4 producers over 2 servers / SQLite 1 server, round by round',
      'x',
      spread(rounds.map((x) => x.ingest4 / x.sqliteIngest)),
      { target: { op: '>=', value: 0.6 } },
    ),
    figure(
      'postgres.ratio.latency',
      'post -> job p50: PostgreSQL / SQLite (shipped worker), round by round',
      'x',
      spread(rounds.map((x) => x.p50 / x.sqliteP50)),
      { target: { op: '<=', value: 1.5 } },
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
    figure(
      'postgres.ceiling',
      `${durable} ceiling: ${SCALE_PRODUCERS} writers on their own partitions, the storage in-process (no HTTP, 2 pools)`,
      'msg/s',
      of('ceiling'),
    ),
    figure(
      'postgres.scale.ceiling',
      `${durable}: ingest 1 server / that ceiling, producers on their own partitions`,
      'x',
      ratio(scale[0] as Spread, of('ceiling')),
    ),
    ...heldFigures(rounds, durable),
  ];
}

/** The scale-out with each server held to QUOTA_CORES, when every round could hold them. */
function heldFigures(rounds: Round[], durable: string): Figure[] {
  const all = rounds.flatMap((x) => (x.held ? [x.held] : []));
  const last = all[all.length - 1];
  if (!last || all.length < rounds.length) return [];
  const held = SERVER_COUNTS.map((_, i) => spread(all.map((x) => x.rates[i] ?? 0)));
  const what = `servers held to ${QUOTA_CORES} of a core each (cgroup CPU quota)`;
  return [
    ...SERVER_COUNTS.map((servers, i) =>
      figure(
        `postgres.held.s${servers}`,
        `${durable}: ingest, ${SCALE_PRODUCERS} producers on their own partitions, ${servers} server(s), ${what}`,
        'msg/s',
        held[i] as Spread,
        { note: describeCpu(last.cpu[i] as CpuSplit) },
      ),
    ),
    figure(
      'postgres.held.ratio',
      `${durable}: ingest 2 servers / 1 server, own partitions, ${what}`,
      'x',
      ratio(held[1] as Spread, held[0] as Spread),
      { target: { op: '>=', value: 1.3 } },
    ),
  ];
}
