import {
  createLogger,
  ERROR_QUEUE,
  ensureBookkeepingQueues,
  newMessageId,
  ProgressStore,
  STATUS_QUEUE,
} from '@qdo/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { seekPartition } from '../src/index.js';
import { Sampler } from '../src/server/sampler.js';
import { type Queuey, startQueuey, uniqueName } from './fixtures.js';

let queuey: Queuey;
beforeEach(async () => {
  queuey = await startQueuey();
});
afterEach(async () => {
  await queuey.close();
});

/** A sampler on a clock the test moves by hand. */
function sampler(options: { lagCap?: number; stallAfterMs?: number } = {}) {
  let now = 1_800_000_000_000;
  const s = new Sampler({
    queuey: queuey.client,
    lagCap: options.lagCap ?? 10_000,
    stallAfterMs: options.stallAfterMs ?? 60_000,
    historyMs: 3_600_000,
    now: () => now,
  });
  return {
    s,
    advance(ms: number) {
      now += ms;
    },
  };
}

async function queueWith(n: number): Promise<{ q: string; ids: string[] }> {
  const q = uniqueName();
  await queuey.client.createQueue({ queueName: q });
  await ensureBookkeepingQueues(queuey.client, { only: STATUS_QUEUE });
  await queuey.client.createQueue({ queueName: ERROR_QUEUE, partitions: 7 });
  const posted = await queuey.client.postMessages(
    q,
    Array.from({ length: n }, (_, i) => ({ body: `m${i}`, partition: 1 })),
  );
  return { q, ids: posted.map((p) => p.key) };
}

const seek = (partition: string, id: string) =>
  seekPartition(queuey.client, { partition, target: { to: 'id', id }, worker: 'w1' });

describe('Sampler', () => {
  test('counts what moved between two samples as throughput, and the rest as lag', async () => {
    const { q, ids } = await queueWith(10);
    const { s, advance } = sampler();
    const first = await s.sample();
    expect(first.partitions.find((p) => p.name === `${q}-1`)?.lag).toBe(10);
    await seek(`${q}-1`, ids[3] as string);
    advance(2000);
    const second = await s.sample();
    const partition = second.partitions.find((p) => p.name === `${q}-1`);
    expect(partition?.lag).toBe(6);
    expect(partition?.worker).toBe('w1');
    expect(s.history).toEqual([{ t: 1_800_000_002, processed: 2, failed: 0 }]);
    expect(second.workers).toMatchObject([{ name: 'w1', partitions: [`${q}-1`], rate: 2 }]);
  });

  test('counts new qdo_error messages as failures per second', async () => {
    await queueWith(1);
    const { s, advance } = sampler();
    await s.sample();
    await queuey.client.postMessage(ERROR_QUEUE, JSON.stringify({ queue: 'x-1' }), {
      partition: 3,
    });
    advance(1000);
    const snapshot = await s.sample();
    expect(snapshot.errors).toBe(1);
    expect(s.history.at(-1)?.failed).toBe(1);
  });

  test('a partition with lag whose position does not move is stalled', async () => {
    const { q } = await queueWith(2);
    const { s, advance } = sampler({ stallAfterMs: 30_000 });
    await s.sample();
    advance(10_000);
    expect((await s.sample()).partitions.find((p) => p.name === `${q}-1`)?.state).toBe('working');
    advance(25_000);
    expect((await s.sample()).partitions.find((p) => p.name === `${q}-1`)?.state).toBe('stalled');
  });

  test('a status whose position is not a message id is corrupt', async () => {
    const { q } = await queueWith(1);
    await queuey.client.putMessages(
      'qdo_status',
      [{ partition: 1, id: newMessageId(Date.now()) }],
      JSON.stringify({ partition: `${q}-1`, processed: 42, last_worker: 'w' }),
    );
    const { s } = sampler();
    const partition = (await s.sample()).partitions.find((p) => p.name === `${q}-1`);
    expect(partition?.state).toBe('corrupt');
    expect(partition?.corrupt).toMatch(/not a message id/);
  });

  test('a partition its worker marked stuck carries the stuck message', async () => {
    const { q, ids } = await queueWith(2);
    const store = new ProgressStore({
      queuey: queuey.client,
      worker: 'w1',
      now: Date.now,
      logger: createLogger({ type: 'hidden' }),
    });
    await store.acquire(`${q}-1`);
    await store.markStuck(`${q}-1`, ids[0] as string);
    const { s } = sampler();
    const partition = (await s.sample()).partitions.find((p) => p.name === `${q}-1`);
    expect(partition?.stuck).toEqual({ message: ids[0], since: expect.stringMatching(/^\d{4}-/) });
  });

  test('lag beyond the cap is shown as capped', async () => {
    const { q } = await queueWith(5);
    const { s } = sampler({ lagCap: 3 });
    const queue = (await s.sample()).queues.find((x) => x.name === q);
    expect(queue).toMatchObject({ lag: 3, lagCapped: true });
  });

  test('a lag of exactly the cap is counted in full, not capped', async () => {
    const { q } = await queueWith(3);
    const { s } = sampler({ lagCap: 3 });
    const queue = (await s.sample()).queues.find((x) => x.name === q);
    expect(queue).toMatchObject({ lag: 3, lagCapped: false });
  });

  test('counts every waiting 1 MB message, past the pages the server cuts at its byte budget', async () => {
    // The server's 8 MiB answer budget ends a page after 8 of these.
    const { q } = await queueWith(0);
    const big = 'x'.repeat(1_000_000);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await queuey.client.postMessage(q, big)).key);
    const { s, advance } = sampler();
    const first = (await s.sample()).partitions.find((p) => p.name === `${q}-1`);
    expect(first).toMatchObject({ lag: 30, lagCapped: false });
    await seek(`${q}-1`, ids[19] as string);
    advance(1000);
    const second = (await s.sample()).partitions.find((p) => p.name === `${q}-1`);
    expect(second).toMatchObject({ lag: 10, lagCapped: false, expired: 0 });
    expect(s.history.at(-1)?.processed).toBe(20);
  });

  test('when Queuey cannot be reached, the last picture stays and says why', async () => {
    const { q } = await queueWith(1);
    const other = await startQueuey();
    const s = new Sampler({
      queuey: other.client,
      lagCap: 100,
      stallAfterMs: 60_000,
      historyMs: 3_600_000,
      now: Date.now,
    });
    await other.client.createQueue({ queueName: q });
    expect((await s.sample()).queues.map((x) => x.name)).toEqual([q]);
    await other.close();
    const snapshot = await s.sample();
    expect(snapshot.problem).toBeTruthy();
    expect(snapshot.queues.map((x) => x.name)).toEqual([q]);
  });
});
