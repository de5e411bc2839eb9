import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusAdmin } from '@qdo/core';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, beforeEach, expect, inject } from 'vitest';
import { uniqueConnection, waitFor } from './helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import type { ChildConfig } from './worker-child.js';
import { type Record, readRecords, spawnWorker } from './workers.js';

const APP_KEY = '5a0e5c1d7c2b4c3e9f1a2b3c4d5e6f70';

/**
 * A quick party and session with a long discovery interval, as in
 * production: an operator's seek or pause must not wait for a discovery
 * round (nor for the owner's next commit) to be noticed.
 */
export const OPERATOR_CLUSTER = {
  partyWait: 0.5,
  sessionTimeout: 1000,
  jobMs: 10,
  discoveryInterval: 5,
};

/**
 * Worker processes sharing partitions through a real ZooKeeper, over a real
 * Queuey server: one fresh server, chroot and record file per test; afterEach
 * fails the test if it left a worker running.
 */
export function useCluster(defaults: {
  partyWait: number;
  sessionTimeout: number;
  jobMs: number;
  discoveryInterval?: number;
}) {
  let dir = '';
  let server: RunningServer | undefined;
  let client: QueueyClient | undefined;
  let zookeeper = '';
  let records = '';
  let children: NodeProcess[] = [];
  const relays: TcpProxy[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qdo-zk-cluster-'));
    server = await startServer({
      port: 0,
      db: join(dir, 'queuey.db'),
      applications: { queuey: [APP_KEY] },
    });
    client = new QueueyClient({ connection: `${server.url}/v1/queuey/`, appKey: APP_KEY });
    zookeeper = uniqueConnection(inject('zkConnection'));
    records = join(dir, 'records.jsonl');
    children = [];
  });

  afterEach(async () => {
    const left = children.filter((c) => c.running);
    for (const c of left) c.child.kill('SIGCONT');
    await Promise.all(children.map((c) => c.stop('SIGKILL')));
    for (const relay of relays.splice(0)) {
      relay.unstall();
      await relay.close();
    }
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    expect(
      left.map((c) => c.label),
      'workers left running',
    ).toEqual([]);
  });

  const cluster = {
    get client(): QueueyClient {
      return client as QueueyClient;
    },
    get zookeeper(): string {
      return zookeeper;
    },
    get workers(): NodeProcess[] {
      return children;
    },
    start(name: string, options: Partial<ChildConfig> = {}): NodeProcess {
      const child = spawnWorker({
        name,
        queuey: `${server?.url}/v1/queuey/`,
        appKey: APP_KEY,
        zookeeper,
        records,
        ...defaults,
        ...options,
      });
      children.push(child);
      return child;
    },
    records(): Record[] {
      return readRecords(records);
    },
    /** The jobs run on partition `p` (`Q-N`), in file order. */
    ranOn(p: string): Record[] {
      return cluster.records().filter((r) => r.p === p);
    },
    /** How many jobs worker `w` ran. */
    countBy(w: string): number {
      return cluster.records().filter((r) => r.w === w).length;
    },
    /** The partitions whose latest job ran on worker `w`: what it is working on. */
    workingOn(w: string): string[] {
      const last = new Map(cluster.records().map((r) => [r.p, r.w]));
      return [...last].filter(([, by]) => by === w).map(([p]) => p);
    },
    /** The first job on partition `p` that another worker than `w` started after `since`. */
    takeover(p: string, w: string, since: number): Record | undefined {
      return cluster.records().find((r) => r.p === p && r.w !== w && r.start > since);
    },
    /** Waits until each of `workers` ran at least `jobs` jobs. */
    async busy(workers: readonly string[], jobs: number, what = 'all the workers are busy') {
      await waitFor(() => workers.every((w) => cluster.countBy(w) >= jobs), what, 60_000);
    },
    /**
     * Starts worker `name` through its own TCP relay to ZooKeeper, so the test
     * can cut or stall that worker's link alone, then `others` directly, and
     * waits until each ran 5 jobs. The relay is closed after the test.
     */
    async startBehindRelay(name: string, others: readonly string[]) {
      const [host = '', port = ''] = inject('zkConnection').split(':');
      const relay = await startTcpProxy({ host, port: Number(port) });
      relays.push(relay);
      const chroot = zookeeper.slice(zookeeper.indexOf('/'));
      const worker = cluster.start(name, { zookeeper: `${relay.address}${chroot}` });
      for (const other of others) cluster.start(other);
      await cluster.busy([name, ...others], 5);
      return { relay, worker };
    },
    /** Creates the queues and posts `perPartition` messages to each partition; the ids per partition, in order. */
    async fill(queues: string[], partitions: number, perPartition: number) {
      const ids = new Map<string, string[]>();
      for (const queue of queues) {
        await cluster.client.createQueue({ queueName: queue, partitions });
        for (let p = 1; p <= partitions; p++) {
          const posted = await cluster.client.postMessages(
            queue,
            Array.from({ length: perPartition }, (_, i) => ({
              body: `${queue}|${i}`,
              partition: p,
            })),
          );
          ids.set(
            `${queue}-${p}`,
            posted.map((m) => m.key),
          );
        }
      }
      return ids;
    },
    async drained(ids: Map<string, string[]>, timeout = 90_000): Promise<void> {
      const expected = [...ids.values()].flat();
      await waitFor(
        () => {
          const seen = new Set(cluster.records().map((r) => r.id));
          return expected.every((id) => seen.has(id));
        },
        () => {
          const seen = new Set(cluster.records().map((r) => r.id));
          const missing = expected.filter((id) => !seen.has(id)).length;
          return `every message is processed (${missing} of ${expected.length} missing)\n${children.map((c) => `--- ${c.label}\n${c.output.slice(-3000)}`).join('\n')}`;
        },
        timeout,
      );
    },
    /** SIGTERM to every running worker; each must exit 0. */
    async stopAll(): Promise<void> {
      const live = children.filter((c) => c.running);
      const exits = await Promise.all(live.map((c) => c.stop('SIGTERM')));
      expect(
        exits.map((e) => e.code),
        live.map((c) => `--- ${c.label}\n${c.output}`).join('\n'),
      ).toEqual(live.map(() => 0));
    },
    /** Moves a partition's position as `qdo seek` does ('' = the start); resolves once written. */
    async seek(name: string, position: string): Promise<void> {
      await new StatusAdmin(cluster.client, 'qdo seek by test').moveTo(name, position);
    },
    /** The committed position of each partition, read as a worker would. */
    async positions(names: Iterable<string>): Promise<Map<string, string>> {
      const status = await new StatusAdmin(cluster.client, 'test').describeAll([...names]);
      return new Map(status.map((p) => [p.partition, p.processed]));
    },
  };
  return cluster;
}

/**
 * Per partition, in file order: messages that ran before every earlier
 * message of their partition had run (replays of a committed tail are fine).
 */
export function orderBreaks(records: readonly Record[], ids: Map<string, string[]>): string[] {
  const rank = new Map<string, number>();
  for (const list of ids.values()) {
    for (const [i, id] of list.entries()) rank.set(id, i);
  }
  /** Per partition: how many of its first messages have all run. */
  const done = new Map<string, number>();
  const ran = new Map<string, Set<number>>();
  const breaks: string[] = [];
  for (const r of records) {
    const at = rank.get(r.id) ?? -1;
    const seen = ran.get(r.p) ?? new Set<number>();
    ran.set(r.p, seen);
    let prefix = done.get(r.p) ?? 0;
    if (at > prefix) breaks.push(`${r.p}: ${r.w} ran #${at} before #${prefix} had run`);
    seen.add(at);
    while (seen.has(prefix)) prefix++;
    done.set(r.p, prefix);
  }
  return breaks;
}

/** How many times a message ran beyond its first. */
export function duplicates(records: readonly Record[]): number {
  return records.length - new Set(records.map((r) => r.id)).size;
}
