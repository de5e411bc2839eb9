import { startZkServer, type ZkServer } from '@qdo/test-utils';
import { readParty, ZkPartitioner } from '@qdo/zookeeper';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningDashboard, serveDashboard } from '../src/index.js';
import { launchBrowser, type Queuey, screenshot, startQueuey, until } from './fixtures.js';

let zk: ZkServer;
let queuey: Queuey;
let browser: BrowserContext & { dispose(): Promise<void> };
const partitioners: ZkPartitioner[] = [];

beforeAll(async () => {
  [zk, queuey, browser] = await Promise.all([startZkServer(), startQueuey(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all(partitioners.map((p) => p.stop()));
  await browser?.dispose();
  await queuey?.close();
  await zk?.close();
});

const host = { release: async () => undefined, changed: () => undefined };

/** A partitioner as a worker under `policy = automatic` runs it. */
async function join(connection: string, identifier: string, all: string[]) {
  const p = new ZkPartitioner({ connection, identifier, partyWait: 0.2, sessionTimeout: 2000 });
  partitioners.push(p);
  await p.start(host, all, new AbortController().signal);
  return p;
}

describe("ZooKeeper's party on the Workers page (automatic policy)", () => {
  test('readParty lists members and the partitions they lock; a missing chroot is an empty party', async () => {
    const connection = `${zk.connection}/dash-read`;
    expect(await readParty(connection, { connectTimeout: 5000 })).toEqual([]);
    const all = ['q-1', 'q-2', 'q-3', 'q-4'];
    const a = await join(connection, 'alpha/1', all);
    const b = await join(connection, 'beta', all);
    await until(
      'both hold two partitions',
      async () => a.owned().length === 2 && b.owned().length === 2,
    );
    const party = await readParty(connection, { connectTimeout: 5000 });
    expect(party).toEqual([
      { identifier: 'alpha/1', partitions: [...a.owned()] },
      { identifier: 'beta', partitions: [...b.owned()] },
    ]);
  });

  test('the Workers page lists the members with their locks, and drops one that left', async () => {
    const connection = `${zk.connection}/dash-page`;
    const q = `orders${Date.now().toString(36)}`;
    await queuey.client.createQueue({ queueName: q, partitions: 2 });
    const all = [`${q}-1`, `${q}-2`];
    const w1 = await join(connection, 'worker-one', all);
    const w2 = await join(connection, 'worker-two', all);
    await until('each holds one', async () => w1.owned().length === 1 && w2.owned().length === 1);
    const dashboard: RunningDashboard = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 0.3,
      zookeeper: { connection },
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${dashboard.url}#/workers`);
      const row = (name: string) => page.locator(`#party tr[data-member="${name}"]`);
      await until('both members are listed with their partition', async () => {
        const one = (await row('worker-one').textContent({ timeout: 1000 })) ?? '';
        const two = (await row('worker-two').textContent({ timeout: 1000 })) ?? '';
        return one.includes(w1.owned()[0] ?? '?') && two.includes(w2.owned()[0] ?? '?');
      });
      expect(await page.getByRole('table', { name: /ZooKeeper's party/ }).count()).toBe(1);
      await screenshot(page, 'workers-party');
      await w2.stop();
      await until('worker-two is gone', async () => (await row('worker-two').count()) === 0);
      await until('worker-one locks both', async () => {
        const one = (await row('worker-one').textContent({ timeout: 1000 })) ?? '';
        return one.includes(`${q}-1`) && one.includes(`${q}-2`);
      });
    } finally {
      await dashboard.close();
    }
  });

  test('an unreachable ZooKeeper is reported on the page, not a failed sample', async () => {
    const dashboard = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 0.3,
      zookeeper: { connection: '127.0.0.1:1', connectTimeout: 300 },
    });
    try {
      const snapshot = await dashboard.sampler.fresh();
      expect(snapshot.problem).toBeUndefined();
      expect(snapshot.party?.problem).toMatch(/ZooKeeper/);
      expect(snapshot.party?.members).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});
