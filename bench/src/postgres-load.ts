/**
 * The PostgreSQL bench's moving parts: server processes on one schema,
 * producers posting batches through them, the CPU each side used, and the
 * cluster (a durable one of the bench's own, from @qdo/test-utils, loaded
 * through tsx as that package ships TypeScript).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { DRAIN_PARTITIONS, DRAIN_QUEUE } from './drain-run.js';
import { body100 } from './env.js';
import { type ServerProcess, startServerProcess, WARM_QUEUE } from './server.js';

export interface BenchCluster {
  url: string;
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

export interface WaitProfile {
  samples: number;
  events: Record<string, number>;
}

interface TestUtils {
  startOwnPostgresCluster(options: {
    durable?: boolean;
    settings?: Record<string, string | number>;
  }): Promise<BenchCluster>;
  createPostgresSchema(
    url: string,
    prefix: string,
  ): Promise<{ schema: string; query(sql: string): Promise<unknown[]>; drop(): Promise<void> }>;
  sampleWaits(
    url: string,
    options?: { intervalMs?: number },
  ): Promise<{
    stop(): Promise<WaitProfile>;
  }>;
}

let utils: Promise<TestUtils> | undefined;

/** @qdo/test-utils, reused rather than copied. */
export function testUtils(): Promise<TestUtils> {
  utils ??= (async () => {
    const require = createRequire(import.meta.url);
    const helper = require.resolve('@qdo/test-utils');
    return (await tsImport(pathToFileURL(helper).href, import.meta.url)) as TestUtils;
  })();
  return utils;
}

/** PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on). */
export async function startDurableCluster(): Promise<BenchCluster> {
  // Room for a few full batches in shared memory; the rest are the defaults.
  return (await testUtils()).startOwnPostgresCluster({
    durable: true,
    settings: { shared_buffers: '256MB' },
  });
}

/**
 * A fresh schema for one measurement, dropped after it, then a CHECKPOINT:
 * each measurement starts from the same cluster, not paying for the writes
 * of the ones before (their dirty pages, a checkpoint their WAL brought on),
 * as each SQLite measurement gets a database file of its own.
 */
export async function withSchema<T>(url: string, work: (schema: string) => Promise<T>): Promise<T> {
  const fresh = await (await testUtils()).createPostgresSchema(url, 'bench');
  try {
    return await work(fresh.schema);
  } finally {
    // CHECKPOINT needs a superuser: on a database the bench does not own
    // (QDO_TEST_PG_URL) the measurements go on without it.
    await fresh.query('CHECKPOINT').catch(() => {});
    await fresh.drop();
  }
}

/** `n` server processes on a fresh schema (the first one's key for all). */
export async function withServers<T>(
  url: string,
  n: number,
  work: (servers: ServerProcess[]) => Promise<T>,
): Promise<T> {
  return withSchema(url, async (schema) => {
    const servers: ServerProcess[] = [];
    try {
      servers.push(await startServerProcess(url, { postgresSchema: schema }));
      const key = servers[0]?.key;
      for (let i = 1; i < n; i++)
        servers.push(await startServerProcess(url, { postgresSchema: schema, key }));
      return await work(servers);
    } finally {
      for (const server of servers) await server.close();
    }
  });
}

type Batch = { body: string; partition: number }[];

/** Batches of `size` spread over partitions 1..`partitions`, message by message. */
export function spreadBatches(count: number, size: number, partitions: number): Batch[] {
  const all: Batch[] = [];
  for (let start = 0; start < count; start += size)
    all.push(
      Array.from({ length: Math.min(size, count - start) }, (_, j) => ({
        body: body100(`m${start + j}`),
        partition: ((start + j) % partitions) + 1,
      })),
    );
  return all;
}

/** Batches of `size`, all of them in `partition`. */
export function partitionBatches(count: number, size: number, partition: number): Batch[] {
  return spreadBatches(count, size, 1).map((batch) => batch.map((m) => ({ ...m, partition })));
}

/**
 * Producers (one batch in flight each; producer i posts through server
 * i mod n): each takes batches from its own list, or all from one shared
 * list. Messages per second over all of them.
 */
export async function produce(
  servers: readonly ServerProcess[],
  lists: readonly Batch[][],
  producers: number,
  queue = DRAIN_QUEUE,
): Promise<number> {
  const shared = lists.length === 1;
  const cursors = lists.map(() => 0);
  const count = lists.reduce((n, list) => n + list.reduce((m, b) => m + b.length, 0), 0);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async (_, i) => {
      const client = servers[i % servers.length]?.client();
      const k = shared ? 0 : i;
      const list = lists[k] ?? [];
      while ((cursors[k] ?? 0) < list.length) {
        const batch = list[cursors[k] ?? 0] ?? [];
        cursors[k] = (cursors[k] ?? 0) + 1;
        await client?.postMessages(queue, batch);
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** `produce`, unmeasured, into WARM_QUEUE (server.ts says why). */
export async function warmUp(
  servers: readonly ServerProcess[],
  lists: readonly Batch[][],
  producers: number,
): Promise<void> {
  await servers[0]?.client().createQueue({ queueName: WARM_QUEUE, partitions: DRAIN_PARTITIONS });
  await produce(servers, lists, producers, WARM_QUEUE);
}

/** CPU ms a process used, its reaped children included; 0 when it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name: utime is the 12th, then stime, cutime, cstime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

export interface CpuSplit {
  /** Share of all cores, 0..1, over the measured time. */
  postgres: number;
  servers: number;
  producers: number;
}

/** Measures what `work` costs in CPU on each side. */
export async function withCpu<T>(
  cluster: BenchCluster,
  servers: readonly ServerProcess[],
  cores: number,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit }> {
  const sum = (pids: number[]) => pids.reduce((n, pid) => n + cpuMs(pid), 0);
  const pgPids = await cluster.pids();
  const serverPids = servers.map((s) => s.pid);
  const before = { pg: sum(pgPids), servers: sum(serverPids), self: process.cpuUsage() };
  const start = performance.now();
  const result = await work();
  const wall = (performance.now() - start) * cores;
  // Backends opened meanwhile count from zero; the postmaster's pid is first.
  const after = sum([...new Set([...pgPids, ...(await cluster.pids())])]);
  const self = process.cpuUsage(before.self);
  return {
    result,
    cpu: {
      postgres: (after - before.pg) / wall,
      servers: (sum(serverPids) - before.servers) / wall,
      producers: (self.user + self.system) / 1000 / wall,
    },
  };
}
