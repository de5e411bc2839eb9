/**
 * A server whose answer budget cuts reads (extension `partial`): the worker
 * must not take a partition the budget cut for a caught-up one. It drains
 * every partition without going idle on the way, and a long-poll answer
 * that the budget cut wakes every partition it names.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { afterEach, describe, expect, it } from 'vitest';
import { StopWorker, Worker } from '../src/index.js';
import { newClient, quietLogger, run, uniqueName, until } from './helpers.js';

const PARTITIONS = 3;
const PER_PARTITION = 30;
/** Two 400-byte messages per answer, against a batch size of 10. */
const BUDGET = 1000;
const BODY = 400;

let server: RunningServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start() {
  dir = await mkdtemp(join(tmpdir(), 'qdo-core-cut-'));
  server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: ['f25bfb8fe200475c8a0532a9cbe7651e'] },
    maxAnswerBytes: BUDGET,
  });
  const client = newClient(server);
  const queue = uniqueName();
  await client.createQueue({ queueName: queue, partitions: PARTITIONS });
  return { client, queue };
}

/** `count` messages of BODY bytes in each partition, numbered per partition in order. */
function backlog(count: number, tag = '') {
  return Array.from({ length: count * PARTITIONS }, (_, i) => {
    const partition = (i % PARTITIONS) + 1;
    const n = Math.floor(i / PARTITIONS);
    return { body: `${partition}:${n}${tag}:`.padEnd(BODY, '.'), partition };
  });
}

/** A worker that records each job's body (up to its first `.`) and counts its idle steps. */
function worker(client: ReturnType<typeof newClient>) {
  const seen: string[] = [];
  const counts = { idle: 0 };
  const w = new Worker({
    queuey: client,
    logger: quietLogger,
    settings: { batchSize: 10, waitInterval: 0.05, maxWait: 0.2 },
    metrics: {
      timing() {},
      gauge() {},
      increment: (name) => {
        if (name === 'worker.wait_for_jobs') counts.idle += 1;
      },
    },
    job(m) {
      const body = m.body.replace(/\.+$/, '');
      seen.push(body);
      if (body === 'stop') throw new StopWorker();
    },
  });
  return { w, seen, counts };
}

function inOrder(seen: string[], partition: number, tag = ''): number[] {
  return seen
    .filter((b) => b.startsWith(`${partition}:`) && b.endsWith(`${tag}:`))
    .map((b) => Number.parseInt(b.split(':')[1] as string, 10));
}

describe('answers cut by the server budget', () => {
  it('drains every partition in order without taking a cut batch for caught up', async () => {
    const { client, queue } = await start();
    await client.postMessages(queue, backlog(PER_PARTITION));
    const { w, seen, counts } = worker(client);
    const done = run(w);
    await until(() => seen.length === PARTITIONS * PER_PARTITION, 20_000);
    // Going idle on a cut batch would cost a long-poll per batch (15 per partition here).
    const idleWhileDraining = counts.idle;
    await client.postMessage(queue, 'stop', { partition: 1 });
    await done;
    for (let p = 1; p <= PARTITIONS; p++) {
      expect(inOrder(seen, p)).toEqual(Array.from({ length: PER_PARTITION }, (_, n) => n));
    }
    expect(idleWhileDraining).toBeLessThanOrEqual(PARTITIONS);
  });

  it('wakes every partition a cut long-poll answer names, not only those it carried messages of', async () => {
    const { client, queue } = await start();
    const { w, seen, counts } = worker(client);
    const done = run(w);
    // Every partition read (empty) and idles in the shared long-poll.
    await until(() => counts.idle > 0);
    const idleBefore = counts.idle;
    await client.postMessages(queue, backlog(4, 'new'));
    await until(() => seen.length === PARTITIONS * 4, 20_000);
    const idleWhileDraining = counts.idle - idleBefore;
    await client.postMessage(queue, 'stop', { partition: 3 });
    await done;
    for (let p = 1; p <= PARTITIONS; p++) expect(inOrder(seen, p, 'new')).toEqual([0, 1, 2, 3]);
    // One long-poll answer wakes all three; a long-poll per partition would be 3 or more.
    expect(idleWhileDraining).toBeLessThanOrEqual(2);
  });
});
