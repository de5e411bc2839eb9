import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusAdmin } from '@qdo/core';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, beforeEach, expect, inject } from 'vitest';
import { uniqueConnection, waitFor } from './helpers.js';
import type { ChildConfig } from './worker-child.js';
import { type Record, readRecords, spawnWorker } from './workers.js';

const APP_KEY = '5a0e5c1d7c2b4c3e9f1a2b3c4d5e6f70';

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
