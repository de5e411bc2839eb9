import type { QueueyClient } from '@qdo/queuey-client';
import { startTempQueuey, type TempQueuey } from '@qdo/test-server';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningDashboard, seekPartition, serveDashboard } from '../src/index.js';
import { APP_KEY, launchBrowser, screenshot, textOf, until } from './fixtures.js';

// The server's clock is ours: messages expire when we say so, and its purger
// (every 20 ms) removes them and keeps the `expired` tallies.
let clock = Date.UTC(2026, 5, 1);
let queuey: TempQueuey;
let client: QueueyClient;
let dashboard: RunningDashboard;
let browser: BrowserContext & { dispose(): Promise<void> };

beforeAll(async () => {
  queuey = await startTempQueuey({
    appKey: APP_KEY,
    prefix: 'qdo-dashboard-expired-',
    server: { now: () => clock, purgeInterval: 20 },
  });
  client = queuey.client;
  dashboard = await serveDashboard({ queuey: client, sampleSeconds: 0.25 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.dispose();
  await dashboard?.close();
  await queuey?.close();
});

describe('messages that expired before they were processed (server extension expired)', () => {
  test('the purge tallies reach the Queue page; the newest purged message after the position is flagged', async () => {
    const q = 'tallied';
    await client.createQueue({ queueName: q, partitions: 3 });
    const [a1, , , b1] = await client.postMessages(q, [
      { body: 'a1', partition: 1, ttl: 10 },
      { body: 'a2', partition: 1, ttl: 10 },
      { body: 'a3', partition: 1, ttl: 10 },
      { body: 'b1', partition: 2, ttl: 10 },
    ]);
    // Partition 1 processed a1 only; partition 2 processed everything.
    const worker = 'test@host';
    await seekPartition(client, {
      partition: `${q}-1`,
      target: { to: 'id', id: a1?.key ?? '' },
      worker,
    });
    await seekPartition(client, {
      partition: `${q}-2`,
      target: { to: 'id', id: b1?.key ?? '' },
      worker,
    });
    const before = await dashboard.sampler.fresh();
    const part = (s: typeof before, n: number) => s.partitions.find((p) => p.name === `${q}-${n}`);
    expect(part(before, 1)?.purged).toEqual({ count: 0, lastId: undefined });
    expect(part(before, 1)?.lag).toBe(2);

    clock += 10_000;
    await until('the purge removed all four', async () => {
      const tallies = await client.expired(q);
      return tallies.reduce((n, t) => n + t.expired_count, 0) === 4;
    });
    const after = await dashboard.sampler.fresh();
    expect(part(after, 1)).toMatchObject({ purged: { count: 3 }, purgedUnprocessed: true });
    expect(part(after, 2)).toMatchObject({
      purged: { count: 1, lastId: b1?.key },
      purgedUnprocessed: false,
    });
    expect(part(after, 3)).toMatchObject({ purged: { count: 0 }, purgedUnprocessed: false });
    expect(after.queues.find((x) => x.name === q)).toMatchObject({
      purged: 4,
      purgedUnprocessed: 1,
    });

    const page = await browser.newPage();
    await page.goto(`${dashboard.url}#/queue/${q}`);
    const cell = (n: number) => textOf(page, `tr[data-partition="${q}-${n}"] [data-testid=purged]`);
    await until('the page shows the tallies', async () => (await cell(1)).startsWith('3'));
    expect(await cell(1)).toContain('newest unprocessed');
    expect(await cell(2)).toBe('1');
    expect(await cell(3)).toBe('0');
    await page.getByRole('link', { name: 'Overview' }).click();
    await until('the overview names the partition', async () =>
      (await textOf(page, `tr[data-queue="${q}"]`)).includes('1 expiring unprocessed'),
    );
    await screenshot(page, 'expired');
    await page.close();
  });
});
