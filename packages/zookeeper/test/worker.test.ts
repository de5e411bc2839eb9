import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { uniqueConnection, waitFor } from './support/helpers.js';
import { type ChildWorker, overlaps, readRecords, spawnWorker } from './support/workers.js';

const APP_KEY = '5a0e5c1d7c2b4c3e9f1a2b3c4d5e6f70';
const PARTY_WAIT = 0.5;
const SESSION_TIMEOUT = 1000;

let dir: string;
let server: RunningServer;
let client: QueueyClient;
let zookeeper: string;
let records: string;
let children: ChildWorker[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qdo-zk-worker-'));
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
  const left = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
  for (const c of left) c.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await server.close();
  await rm(dir, { recursive: true, force: true });
  expect(
    left.map((c) => c.name),
    'workers left running',
  ).toEqual([]);
});

function start(name: string): ChildWorker {
  const child = spawnWorker({
    name,
    queuey: `${server.url}/v1/queuey/`,
    appKey: APP_KEY,
    zookeeper,
    partyWait: PARTY_WAIT,
    sessionTimeout: SESSION_TIMEOUT,
    records,
    jobMs: 10,
  });
  children.push(child);
  return child;
}

/** Creates `queues` queues of `partitions` and posts `perPartition` messages to each partition. */
async function fill(
  queues: string[],
  partitions: number,
  perPartition: number,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const queue of queues) {
    await client.createQueue({ queueName: queue, partitions });
    for (let p = 1; p <= partitions; p++) {
      const posted = await client.postMessages(
        queue,
        Array.from({ length: perPartition }, (_, i) => ({ body: `${queue}|${i}`, partition: p })),
      );
      for (const m of posted) ids.add(m.key);
    }
  }
  return ids;
}

async function stopAll(): Promise<void> {
  const running = children.filter(
    (c) => c.process.exitCode === null && c.process.signalCode === null,
  );
  for (const c of running) c.process.kill('SIGTERM');
  const codes = await Promise.all(running.map((c) => c.exited));
  expect(codes, running.map((c) => c.output()).join('\n')).toEqual(running.map(() => 0));
}

function processedIds(): Set<string> {
  return new Set(readRecords(records).map((r) => r.id));
}

function describeProgress(expected: Set<string>): () => string {
  return () => {
    const seen = processedIds();
    const missing = [...expected].filter((id) => !seen.has(id)).length;
    return `every message is processed (${missing} of ${expected.size} missing)\n${children.map((c) => `--- ${c.name}\n${c.output().slice(-2000)}`).join('\n')}`;
  };
}

describe('Workers sharing partitions through ZooKeeper', () => {
  it('takes over the partitions of a worker killed with SIGKILL, losing nothing and never running a partition twice at once', async () => {
    const expected = await fill(['alpha', 'beta', 'gamma'], 3, 25);
    const workers = ['w1', 'w2', 'w3'].map(start);
    const victim = workers[1] as ChildWorker;
    await waitFor(
      () => readRecords(records).filter((r) => r.w === victim.name).length >= 5,
      'w2 has processed a few messages',
      30_000,
    );
    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const victimPartitions = new Set(
      readRecords(records)
        .filter((r) => r.w === victim.name)
        .map((r) => r.p),
    );
    const seen = processedIds();
    const leftBehind = [...expected].filter((id) => !seen.has(id));
    expect(leftBehind.length, 'w2 was killed before it finished').toBeGreaterThan(0);

    await waitFor(
      () => {
        const done = processedIds();
        return [...expected].every((id) => done.has(id));
      },
      describeProgress(expected),
      60_000,
    );
    await stopAll();

    const all = readRecords(records);
    expect(overlaps(all)).toEqual([]);
    const takenOver = all.filter(
      (r) => victimPartitions.has(r.p) && r.w !== victim.name && r.start > killedAt,
    );
    expect(takenOver.length).toBeGreaterThan(0);
    const firstTakeover = Math.min(...takenOver.map((r) => r.start)) - killedAt;
    // Session expiry + party wait, plus a round of the survivors' own work.
    expect(firstTakeover).toBeLessThan(SESSION_TIMEOUT + PARTY_WAIT * 1000 + 4000);
  });

  it('gives a worker that joins mid-run a share, and picks up a queue created meanwhile', async () => {
    const expected = await fill(['red', 'green', 'blue'], 3, 40);
    start('w1');
    start('w2');
    await waitFor(
      () => readRecords(records).length >= 20,
      'the first two workers are busy',
      30_000,
    );
    const joinedAt = Date.now();
    const late = start('w3');
    for (const id of await fill(['violet'], 2, 10)) expected.add(id);

    await waitFor(
      () => {
        const done = processedIds();
        return [...expected].every((id) => done.has(id));
      },
      describeProgress(expected),
      60_000,
    );
    await stopAll();

    const all = readRecords(records);
    expect(overlaps(all)).toEqual([]);
    const lateShare = new Set(all.filter((r) => r.w === late.name).map((r) => r.p));
    expect(lateShare.size).toBeGreaterThanOrEqual(2);
    expect(all.filter((r) => r.w === late.name).every((r) => r.start >= joinedAt)).toBe(true);
    expect(all.some((r) => r.p.startsWith('violet-'))).toBe(true);
  });
});
