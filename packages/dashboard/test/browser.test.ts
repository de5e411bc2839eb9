import { hostname } from 'node:os';
import { createLogger, ERROR_QUEUE, ManualPartitioner, newMessageId, Worker } from '@qdo/core';
import { ErrorQueue, errorPartition, saveFailedMessage } from '@qdo/failure';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type RunningDashboard, seekPartition, serveDashboard } from '../src/index.js';
import {
  launchBrowser,
  type Queuey,
  screenshot,
  startQueuey,
  textOf,
  uniqueName,
  until,
} from './fixtures.js';

let queuey: Queuey;
let dashboard: RunningDashboard;
let browser: BrowserContext & { dispose(): Promise<void> };
let page: Page;
const workers: { worker: Worker; done: Promise<void> }[] = [];
/** A DNS-rebinding name and a name an operator allows: both resolve to this machine. */
const REBOUND = '127.0.0.1.attacker.example';
const ALLOWED = 'dash.example.test';

beforeAll(async () => {
  queuey = await startQueuey();
  dashboard = await serveDashboard({ queuey: queuey.client, sampleSeconds: 0.25 });
  browser = await launchBrowser([
    `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1, MAP ${ALLOWED} 127.0.0.1`,
  ]);
});

afterAll(async () => {
  await browser?.dispose();
  await dashboard?.close();
  await queuey?.close();
});

afterEach(async () => {
  await page?.close();
  for (const w of workers.splice(0)) {
    w.worker.stop();
    await w.done;
  }
});

/** A real qdo Worker in this process, against the real server. */
function startWorker(job: (body: string) => void = () => {}): Worker {
  const worker = new Worker({
    queuey: queuey.client,
    logger: createLogger({ type: 'hidden' }),
    job: (message) => job(message.body),
    jobFailure: saveFailedMessage,
    settings: { waitInterval: 0.02, name: 'browser-test' },
  });
  workers.push({ worker, done: worker.work() });
  return worker;
}

async function stopWorkers() {
  for (const w of workers.splice(0)) {
    w.worker.stop();
    await w.done;
  }
}

async function newQueue(partitions: number, bodies: string[] = []): Promise<string> {
  const name = uniqueName('orders');
  await queuey.client.createQueue({ queueName: name, partitions });
  if (bodies.length)
    await queuey.client.postMessages(
      name,
      bodies.map((body, i) => ({ body, partition: (i % partitions) + 1 })),
    );
  return name;
}

async function open(hash = '#/'): Promise<Page> {
  page = await browser.newPage();
  await page.goto(`${dashboard.url}${hash}`);
  return page;
}

const queueLag = (queue: string) =>
  textOf(page, `tr[data-queue="${queue}"] [data-testid=queue-lag]`);
const partitionCell = (partition: string, cell: string) =>
  textOf(page, `tr[data-partition="${partition}"] [data-testid=${cell}]`);
const chartPoints = async () => Number(await textOf(page, '[data-testid=chart-points]'));

/**
 * How long a worker's start-up, its jobs and the samples that see them may
 * take: the Queuey server, the worker and the dashboard's sampler (every
 * 0.25 s) all run in this one test process. About 1 s on an idle machine,
 * 12 s with the process held to a few percent of one core, and more in CI
 * (every suite, ZooKeeper and PostgreSQL at once on 2 cores), where the 20 s
 * of `until` was not always enough. The defect waited out, a lag that never
 * falls, never ends.
 */
const WORKER_RUN_MS = 45_000;

describe('the dashboard in Chromium', () => {
  test('Overview: the lag falls to 0 once a worker ran, and the chart gains points', async () => {
    const q = await newQueue(2, ['a', 'b', 'c', 'd', 'e', 'f']);
    await open();
    await until('the overview shows a lag of 6', async () => (await queueLag(q)) === '6');
    const before = await chartPoints();
    startWorker();
    await until('the lag falls to 0', async () => (await queueLag(q)) === '0', WORKER_RUN_MS);
    await until('the chart gains points', async () => (await chartPoints()) >= before + 3);
    expect(await page.locator('.uplot canvas').count()).toBeGreaterThan(0);
    // The six messages were counted as throughput by some sample.
    expect(dashboard.sampler.history.some((p) => p.processed > 0)).toBe(true);
    await screenshot(page, 'overview');
  }, 90_000);

  test('Errors: a failing message appears, and replay moves it back to its partition', async () => {
    const q = await newQueue(1, ['fine', 'boom']);
    startWorker((body) => {
      if (body === 'boom') throw new Error('boom is not a valid order');
    });
    await open('#/errors');
    const row = page.locator('tr[data-error]', { hasText: 'boom' });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain(`${q}-1`);
    await stopWorkers();
    await screenshot(page, 'errors');

    await page.getByRole('button', { name: new RegExp(`^Replay \\w+ to ${q}-1$`) }).click();
    await until(
      'the notice says one message was replayed',
      async () => (await textOf(page, '[role=status].notice')) === 'Replayed 1 message',
    );
    await until('the row is gone', async () => (await row.count()) === 0);
    await page.getByRole('link', { name: 'Overview' }).click();
    await until(
      'the replayed message waits in its partition again',
      async () => (await queueLag(q)) === '1',
    );
    const back = await queuey.client.messages(q, { partition: 1 });
    expect(back.map((m) => m.body)).toEqual(['fine', 'boom', 'boom']);
  });

  test('Queue: Pause stops a worker on one partition, Resume goes on from the same position', async () => {
    const q = await newQueue(2);
    const ran: string[] = [];
    const lines: string[] = [];
    const worker = new Worker({
      queuey: queuey.client,
      logger: createLogger({ write: (line) => lines.push(line) }),
      job: (message) => {
        ran.push(message.body);
      },
      settings: { waitInterval: 0.02, name: 'browser-test' },
    });
    workers.push({ worker, done: worker.work() });
    const logged = (text: string) => lines.some((line) => line.includes(text));
    await open(`#/queue/${q}`);
    await page.locator(`tr[data-partition="${q}-1"] [data-testid=pause]`).click();
    await until(
      'the partition shows paused',
      async () => (await partitionCell(`${q}-1`, 'state')) === 'paused',
    );
    expect(await textOf(page, `tr[data-partition="${q}-1"] [data-testid=pause]`)).toBe('Resume');
    await until('the worker noticed the pause', () => logged(`${q}-1: paused`));
    await queuey.client.postMessages(q, [
      { body: 'held', partition: 1 },
      { body: 'runs', partition: 2 },
    ]);
    await until('partition 2 runs', () => ran.includes('runs'));
    await until(
      'the held message shows as lag',
      async () => (await partitionCell(`${q}-1`, 'lag')) === '1',
    );
    expect(ran).not.toContain('held');

    await page.locator(`tr[data-partition="${q}-1"] [data-testid=pause]`).click();
    await until('the held message runs after Resume', () => ran.includes('held'));
    await until(
      'the partition is no longer paused',
      async () => (await partitionCell(`${q}-1`, 'state')) !== 'paused',
    );
    expect(ran.filter((b) => b === 'held')).toEqual(['held']);
  });

  test('Queue: seek moves a partition to the beginning and to the end', async () => {
    const q = await newQueue(1, ['one', 'two', 'three']);
    startWorker();
    await open(`#/queue/${q}`);
    await until(
      'the worker catches up',
      async () => (await partitionCell(`${q}-1`, 'lag')) === '0',
    );
    await stopWorkers();
    const [newest] = await queuey.client.messages(q, {
      partition: 1,
      order: 'descending',
      limit: 1,
    });
    expect(
      await page
        .locator(`tr[data-partition="${q}-1"] [data-testid=position]`)
        .getAttribute('title'),
    ).toBe(newest?.message_id);

    await page.getByLabel('Partition', { exact: true }).selectOption(`${q}-1`);
    await page.getByLabel('Move to').selectOption('start');
    await page.getByRole('button', { name: 'Seek' }).click();
    await until(
      'the position is back at the beginning',
      async () => (await partitionCell(`${q}-1`, 'position')) === '(none)',
    );
    expect(await partitionCell(`${q}-1`, 'lag')).toBe('3');
    await screenshot(page, 'queue');

    await page.getByLabel('Move to').selectOption('end');
    await page.getByRole('button', { name: 'Seek' }).click();
    await until(
      'the position is at the newest message',
      async () => (await partitionCell(`${q}-1`, 'lag')) === '0',
    );
    expect(
      await page
        .locator(`tr[data-partition="${q}-1"] [data-testid=position]`)
        .getAttribute('title'),
    ).toBe(newest?.message_id);
  });

  test('Workers: the worker that committed progress, with the partitions it holds', async () => {
    const q = await newQueue(2, ['x', 'y']);
    const worker = startWorker();
    await open('#/workers');
    const row = page.locator(`tr[data-worker="${worker.name}"]`);
    await until('the worker holds both partitions', async () => {
      const text = (await row.textContent({ timeout: 1000 })) ?? '';
      return text.includes(`${q}-1`) && text.includes(`${q}-2`);
    });
    await screenshot(page, 'workers');
  });

  test('Post: a message posted from the form lands in the chosen partition', async () => {
    const q = await newQueue(2);
    await open('#/post');
    await page.getByLabel('Queue').selectOption(q);
    await page.getByLabel('Partition (empty: random)').fill('2');
    await page.getByLabel('TTL in seconds (empty: 3 days)').fill('600');
    await page.getByLabel('Body').fill('{"order": 42}');
    await page.getByRole('button', { name: 'Post message' }).click();
    await until('the notice names the partition', async () =>
      (await textOf(page, '[role=status].notice')).endsWith(`to ${q}-2`),
    );
    await screenshot(page, 'post');
    const [posted] = await queuey.client.messages(q, { partition: 2 });
    expect(posted?.body).toBe('{"order": 42}');
    await page.getByRole('link', { name: 'Overview' }).click();
    await until('the overview shows it as lag', async () => (await queueLag(q)) === '1');
  });

  test('Post: a keyed message lands in the partition its key chooses', async () => {
    const q = await newQueue(8);
    await open('#/post');
    await page.getByLabel('Queue').selectOption(q);
    await page.getByLabel('Key (sets the partition)').fill('user-2');
    expect(await page.getByLabel('Partition (empty: random)').isDisabled()).toBe(true);
    await page.getByLabel('Body').fill('keyed');
    await page.getByRole('button', { name: 'Post message' }).click();
    // @qdo/queuey-client's README vectors: "user-2" goes to partition 1 of 8.
    await until('the notice names the partition', async () =>
      (await textOf(page, '[role=status].notice')).endsWith(`to ${q}-1`),
    );
    const [posted] = await queuey.client.messages(q, { partition: 1 });
    expect(posted?.body).toBe('keyed');
  });

  test('the pages are reachable with the keyboard alone', async () => {
    await open();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    let reached = '';
    for (let i = 0; i < 6 && !reached.startsWith('Errors'); i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(reached).toMatch(/^Errors/);
    await page.keyboard.press('Enter');
    await until('the Errors heading has the focus', () =>
      page.evaluate(
        () =>
          document.activeElement?.tagName === 'H1' &&
          document.activeElement.textContent === 'Errors',
      ),
    );
  });

  test('Queue: a message whose TTL ran out before any worker read it counts as expired', async () => {
    const q = await newQueue(1);
    await queuey.client.postMessage(q, 'too late', { partition: 1, ttl: 2 });
    await open(`#/queue/${q}`);
    await until(
      'the dashboard sees it waiting',
      async () => (await partitionCell(`${q}-1`, 'lag')) === '1',
    );
    await until(
      'it expires unprocessed',
      async () => (await partitionCell(`${q}-1`, 'expired')) === '1',
    );
    expect(await partitionCell(`${q}-1`, 'lag')).toBe('0');
  });

  test('--read-only: the pages show everything and offer no action', async () => {
    const q = await newQueue(1, ['m']);
    const readOnly = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 0.25,
      readOnly: true,
    });
    try {
      page = await browser.newPage();
      await page.goto(`${readOnly.url}#/queue/${q}`);
      await until(
        'the partition shows',
        async () => (await partitionCell(`${q}-1`, 'lag')) === '1',
      );
      expect(await textOf(page, 'header .live')).toContain('read-only');
      expect(await page.getByRole('button', { name: 'Seek' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Post' }).count()).toBe(0);
      await page.getByRole('link', { name: /^Errors/ }).click();
      await page.getByRole('heading', { name: 'Errors' }).waitFor();
      expect(await page.getByRole('button', { name: /Replay|Purge/ }).count()).toBe(0);
    } finally {
      await readOnly.close();
    }
  });

  test('Errors: purge asks first, and Cancel keeps the failed messages', async () => {
    const q = await newQueue(1, ['bad-1', 'bad-2']);
    startWorker(() => {
      throw new Error('always fails');
    });
    await open('#/errors');
    await page.getByLabel('Only queue or partition').fill(q);
    await page.getByRole('button', { name: 'Show' }).click();
    const rows = page.locator('tr[data-error]', { hasText: q });
    await until('both failures are listed', async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      return (await rows.count()) === 2;
    });
    await stopWorkers();
    await page.getByRole('button', { name: `Purge ${q}…` }).click();
    const dialog = page.getByRole('dialog', { name: 'Purge failed messages?' });
    await dialog.waitFor();
    await screenshot(page, 'errors-purge');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await rows.count()).toBe(2);
    await page.getByRole('button', { name: `Purge ${q}…` }).click();
    await dialog.getByRole('button', { name: 'Purge for good' }).click();
    await until(
      'the notice says both were purged',
      async () => (await textOf(page, '[role=status].notice')) === 'Purged 2 messages',
    );
    await until('the rows are gone', async () => (await rows.count()) === 0);
  });

  test('Errors: Replay all replays every failure listed, and only those', async () => {
    const q = await newQueue(1, ['bad-1', 'bad-2']);
    const other = await newQueue(1, ['bad-elsewhere']);
    startWorker(() => {
      throw new Error('always fails');
    });
    await open('#/errors');
    await page.getByLabel('Only queue or partition').fill(q);
    const rows = page.locator('tr[data-error]', { hasText: q });
    await until('both failures are listed', async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      return (await rows.count()) === 2;
    });
    await until('the other queue failed too', async () => {
      for await (const _ of new ErrorQueue(queuey.client).list({ queue: other })) return true;
      return false;
    });
    await stopWorkers();
    await page.getByRole('button', { name: `Replay all from ${q}` }).click();
    await until(
      'the notice says both were replayed',
      async () => (await textOf(page, '[role=status].notice')) === 'Replayed 2 messages',
    );
    expect((await queuey.client.messages(q)).map((m) => m.body)).toEqual([
      'bad-1',
      'bad-2',
      'bad-1',
      'bad-2',
    ]);
    expect(await queuey.client.messages(other)).toHaveLength(1);
  });

  test('Overview: a partition with a corrupt status is called out', async () => {
    const q = await newQueue(1, ['waiting']);
    await queuey.client.putMessages(
      'qdo_status',
      [{ partition: 1, id: newMessageId(Date.now()) }],
      JSON.stringify({ partition: `${q}-1`, processed: 'not-an-id', last_worker: 'someone' }),
    );
    await open();
    const item = page
      .getByRole('region', { name: 'Partitions that need attention' })
      .getByRole('listitem')
      .filter({ hasText: `${q}-1` });
    await item.waitFor({ timeout: 20_000 });
    expect(await item.textContent()).toContain('corrupt');
    await screenshot(page, 'overview-attention');
    // The README's picture (docs/overview.png is a copy): what fits in one window.
    await page.setViewportSize({ width: 1100, height: 760 });
    await screenshot(page, 'readme', false);
  });

  test('DNS rebinding: the page under a name that resolves to 127.0.0.1 gets 421, no cookie, no token, no action', async () => {
    const q = await newQueue(1);
    const rebound = `http://${REBOUND}:${new URL(dashboard.url).port}/`;
    page = await browser.newPage();
    const answer = await page.goto(rebound);
    expect(answer?.status()).toBe(421);
    expect(await page.locator('body').textContent()).toMatch(/does not answer to Host/);
    expect(await page.content()).not.toContain('csrf');
    expect(await browser.cookies(rebound)).toEqual([]);
    // What the rebinding page's script would do next, from its own origin.
    const statuses = await page.evaluate(async (queue) => {
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.status);
      return [
        await post('/api/post', { queue, body: 'rebound' }),
        await post('/api/errors/purge', { confirm: 'purge' }),
        await fetch('/api/snapshot').then((r) => r.status),
      ];
    }, q);
    expect(statuses).toEqual([421, 421, 421]);
    expect(await queuey.client.messages(q)).toEqual([]);
  });

  test('a name given in allowedHosts: the dashboard opened under it works, Post included', async () => {
    const q = await newQueue(1);
    const allowing = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 0.25,
      allowedHosts: [ALLOWED],
    });
    try {
      page = await browser.newPage();
      await page.goto(`http://${ALLOWED}:${new URL(allowing.url).port}/#/post`);
      await page.getByLabel('Queue').selectOption(q);
      await page.getByLabel('Body').fill('via an allowed name');
      await page.getByRole('button', { name: 'Post message' }).click();
      await until('the notice names the partition', async () =>
        (await textOf(page, '[role=status].notice')).endsWith(`to ${q}-1`),
      );
      expect((await queuey.client.messages(q)).map((m) => m.body)).toEqual(['via an allowed name']);
    } finally {
      await allowing.close();
    }
  });

  test('Errors: the error of each failure, its stack, and failures alike grouped, replayed at once', async () => {
    const q = await newQueue(1, ['42', '43']);
    // A failure saved by an older version: no `error` beside the message.
    await queuey.client.postMessages(ERROR_QUEUE, [
      {
        body: JSON.stringify({
          message_id: newMessageId(Date.now()),
          body: 'old',
          queue: `${q}-1`,
        }),
        partition: errorPartition(`${q}-1`),
      },
    ]);
    startWorker((body) => {
      throw new Error(`boom ${body}`);
    });
    await open('#/errors');
    await page.getByLabel('Only queue or partition').fill(q);
    const rows = page.locator('#failures tr[data-error]');
    await until('three failures are listed', async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      return (await rows.count()) === 3;
    });
    await stopWorkers();
    const boom = rows.filter({ hasText: 'boom 42' });
    expect(await boom.locator('[data-testid=error-name]').textContent()).toBe('Error');
    expect(await boom.locator('[data-testid=error-message]').textContent()).toBe('boom 42');
    expect(await boom.locator('[data-testid=attempts]').textContent()).toBe('1');
    const stack = boom.locator('[data-testid=stack]');
    expect(await stack.isVisible()).toBe(false);
    await boom.locator('summary').click();
    await until('the stack shows', () => stack.isVisible());
    expect(await stack.textContent()).toMatch(/^Error: boom 42\n\s+at /);
    const old = rows.filter({ hasText: 'old' });
    expect((await old.locator('[data-testid=error]').textContent())?.trim()).toBe('(not recorded)');

    const group = page.locator('#error-groups tr[data-group="Error: boom <n>"]');
    await until(
      'boom 42 and boom 43 are one group of 2',
      async () => (await group.locator('[data-testid=group-count]').textContent()) === '2',
    );
    const unrecorded = page.locator('#error-groups tr[data-group="(unknown): "]');
    expect(await unrecorded.locator('th').textContent()).toBe('(not recorded)');
    expect(await unrecorded.locator('[data-testid=group-count]').textContent()).toBe('1');
    await screenshot(page, 'errors-groups');

    await group.getByRole('button', { name: /^Replay the 2 Error boom <n> failures/ }).click();
    await until(
      'the notice says the group was replayed',
      async () => (await textOf(page, '[role=status].notice')) === 'Replayed 2 messages',
    );
    await until('only the old failure is left', async () => (await rows.count()) === 1);
    await old.getByRole('button', { name: /^Replay / }).click();
    await until(
      'the old failure is replayed too',
      async () => (await textOf(page, '[role=status].notice')) === 'Replayed 1 message',
    );
    expect((await queuey.client.messages(q)).map((m) => m.body)).toEqual([
      '42',
      '43',
      '42',
      '43',
      'old',
    ]);
  });

  test("Errors: a group's purge asks first, then deletes that group and no other failure", async () => {
    const q = await newQueue(1, ['bad 1', 'bad 2', 'odd']);
    startWorker((body) => {
      throw body === 'odd' ? new TypeError('odd one') : new Error(body);
    });
    await open('#/errors');
    await page.getByLabel('Only queue or partition').fill(q);
    const rows = page.locator('#failures tr[data-error]');
    await until('three failures are listed', async () => {
      await page.getByRole('button', { name: 'Show' }).click();
      return (await rows.count()) === 3;
    });
    await stopWorkers();
    const group = page.locator('#error-groups tr[data-group="Error: bad <n>"]');
    await group.getByRole('button', { name: /^Purge the 2 Error bad <n> failures/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Purge failed messages?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(
      'the 2 failed messages of the group Error bad <n>',
    );
    await dialog.getByRole('button', { name: 'Purge for good' }).click();
    await until(
      'the notice says both were purged',
      async () => (await textOf(page, '[role=status].notice')) === 'Purged 2 messages',
    );
    await until('only the TypeError is left', async () => (await rows.count()) === 1);
    expect(await rows.first().locator('[data-testid=error-name]').textContent()).toBe('TypeError');
  });

  test('Workers: host, pid, first and last seen of each worker; one not seen while work waits is gone', async () => {
    const q = await newQueue(1, ['first', 'second']);
    const [first] = await queuey.client.messages(q, { partition: 1, limit: 1 });
    // A worker of another host that committed `first` and then stopped: `second` waits.
    await seekPartition(queuey.client, {
      partition: `${q}-1`,
      target: { to: 'id', id: first?.message_id ?? '' },
      worker: 'otherhost-4242',
    });
    const q2 = await newQueue(1, ['x']);
    const quick = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 0.25,
      goneSeconds: 1,
    });
    try {
      const worker = new Worker({
        queuey: queuey.client,
        logger: createLogger({ type: 'hidden' }),
        job: () => {},
        partitioner: new ManualPartitioner([`${q2}-1`]),
        // A name of its own: the other tests' workers share theirs (host-pid-name).
        settings: { waitInterval: 0.02, name: 'seen-test' },
      });
      workers.push({ worker, done: worker.work() });
      page = await browser.newPage();
      await page.goto(`${quick.url}#/workers`);
      const ghost = page.locator('tr[data-worker="otherhost-4242"]');
      const mine = page.locator(`tr[data-worker="${worker.name}"]`);
      await until('our worker is listed', async () => (await mine.count()) === 1);
      expect(await mine.locator('[data-testid=host]').textContent()).toBe(hostname());
      expect(await mine.locator('[data-testid=pid]').textContent()).toBe(String(process.pid));
      expect(await mine.locator('[data-testid=first-seen]').textContent()).not.toBe('–');
      // Its start, as its status message says (a worker older than this dashboard does not).
      await until(
        'its start shows',
        async () => (await mine.locator('[data-testid=started]').textContent()) !== '–',
      );
      await until(
        'its last sign of life shows',
        async () => (await mine.locator('[data-testid=last-seen]').textContent()) !== '–',
      );
      expect(await ghost.locator('[data-testid=host]').textContent()).toBe('otherhost');
      expect(await ghost.locator('[data-testid=pid]').textContent()).toBe('4242');
      await until(
        "the other host's worker, with work waiting, is gone",
        async () => (await ghost.locator('[data-testid=worker-state]').textContent()) === 'gone',
      );
      // Ours has nothing left to do: not seen since, but not gone.
      await until(
        'ours is caught up',
        async () => (await mine.textContent())?.includes(`${q2}-1`) === true,
      );
      expect(await mine.locator('[data-testid=worker-state]').textContent()).not.toBe('gone');
      await screenshot(page, 'workers-seen');
    } finally {
      await page.close();
      await quick.close();
    }
  });

  test('Queue: the next messages after the position, bodies shown as text; qdo_error too', async () => {
    const evil = '<img src=x onerror="window.pwned=1">';
    const q = await newQueue(1, ['one', evil, 'three']);
    const [first] = await queuey.client.messages(q, { partition: 1, limit: 1 });
    await open(`#/queue/${q}`);
    const bodies = page.locator('#peek [data-testid=peek-body]');
    await until('the three messages show', async () => (await bodies.count()) === 3);
    expect(await bodies.allTextContents()).toEqual(['one', evil, 'three']);
    expect(await page.locator('#peek img').count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await seekPartition(queuey.client, {
      partition: `${q}-1`,
      target: { to: 'id', id: first?.message_id ?? '' },
      worker: 'test',
    });
    await until(
      'the peek follows the position by itself',
      async () => (await bodies.allTextContents()).join('|') === `${evil}|three`,
    );
    await page.getByLabel('How many').fill('1');
    await page.getByRole('button', { name: 'Peek' }).click();
    await until(
      'the peek shows one message after the position',
      async () => (await bodies.allTextContents()).join() === evil,
    );
    expect(await textOf(page, '#peek caption')).toMatch(new RegExp(`^Next 1\\+ of ${q}-1 after `));
    await screenshot(page, 'queue-peek');

    // qdo_error: a failed message, browsable as it was saved.
    const failing = await newQueue(1, ['bad']);
    startWorker(() => {
      throw new Error('peek at me');
    });
    await until('the failure is saved', async () => {
      for await (const _ of new ErrorQueue(queuey.client).list({ queue: failing })) return true;
      return false;
    });
    await stopWorkers();
    await page
      .getByRole('navigation', { name: 'Queues' })
      .getByRole('link', { name: ERROR_QUEUE })
      .click();
    await page
      .getByLabel('Peek partition')
      .selectOption(`${ERROR_QUEUE}-${errorPartition(`${failing}-1`)}`);
    await page.getByLabel('How many').fill('100');
    await page.getByRole('button', { name: 'Peek' }).click();
    await until('the saved failure shows', async () =>
      (await bodies.allTextContents()).some((b) => b.includes(failing) && b.includes('peek at me')),
    );
  });

  test('the chart spans the sampled window: a minute up to now, to the one sample, then first to last', async () => {
    let now = Date.now();
    const chart = await serveDashboard({
      queuey: queuey.client,
      sampleSeconds: 3600,
      now: () => now,
    });
    try {
      page = await browser.newPage();
      await page.goto(chart.url);
      const figure = page.locator('figure.chart');
      const axis = async () => ({
        from: Number(await figure.getAttribute('data-from')),
        to: Number(await figure.getAttribute('data-to')),
        points: Number(await textOf(page, '[data-testid=chart-points]')),
      });
      await until('no sample yet: the last minute', async () => (await axis()).points === 0);
      const none = await axis();
      expect(none.to - none.from).toBe(60);
      expect(Math.abs(none.to - Date.now() / 1000)).toBeLessThan(120);

      now += 5000;
      await chart.sampler.sample();
      await until('one point', async () => (await axis()).points === 1);
      const one = await axis();
      expect(one).toEqual({ from: now / 1000 - 60, to: now / 1000, points: 1 });

      const start = now;
      for (let i = 0; i < 4; i++) {
        now += 30_000;
        await chart.sampler.sample();
      }
      await until('five points', async () => (await axis()).points === 5);
      expect(await axis()).toEqual({ from: start / 1000, to: now / 1000, points: 5 });
      await screenshot(page, 'chart-window');
    } finally {
      await page.close();
      await chart.close();
    }
  });
});
