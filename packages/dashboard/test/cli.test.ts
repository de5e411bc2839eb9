import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeProcess, startQdoWorker } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { APP_KEY, openPage, type Queuey, startQueuey, until } from './fixtures.js';

// `qdo dashboard` as users run it: @qdo/cli's built bin (built with the rest by `pnpm build`).
const QDO = fileURLToPath(new URL('../../cli/dist/bin/qdo.js', import.meta.url));
const QDO_WORKER = fileURLToPath(new URL('../../cli/dist/bin/qdo-worker.js', import.meta.url));

let queuey: Queuey;
beforeEach(async () => {
  if (!existsSync(QDO)) throw new Error(`${QDO} is missing: run pnpm build first`);
  queuey = await startQueuey();
});
afterEach(async () => {
  await queuey.close();
});

function qdo(args: string[], env: Record<string, string> = {}) {
  return new NodeProcess(QDO, ['dashboard', ...args], {
    label: 'qdo dashboard',
    cwd: tmpdir(),
    env: { QDO_APP_KEY: APP_KEY, QDO_DASHBOARD_TOKEN: '', ...env },
  });
}

describe('qdo dashboard', () => {
  test('prints its URL, serves the page and stops cleanly on SIGTERM', async () => {
    const run = qdo(['--connection', `${queuey.server.url}/v1/queuey/`, '--port', '0']);
    try {
      const [, url = ''] = await run.waitForLine(/dashboard on (http:\/\/127\.0\.0\.1:\d+\/)$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>qdo dashboard</title>');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
  });

  test('refuses a token under 16 characters in one line that does not repeat it (exit 2)', async () => {
    const connection = ['--connection', `${queuey.server.url}/v1/queuey/`];
    for (const run of [
      qdo([...connection, '--token', 'x']),
      qdo(connection, { QDO_DASHBOARD_TOKEN: 'fifteen-chars-x' }),
    ]) {
      expect((await run.exited).code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/token .* must be at least 16 characters/),
      ]);
      expect(run.stderr).not.toContain('fifteen-chars-x');
      expect(run.stdout).toBe('');
    }
  });

  test('--allowed-host adds a Host name; any other name gets 421', async () => {
    const run = qdo([
      '--connection',
      `${queuey.server.url}/v1/queuey/`,
      '--allowed-host',
      'dash.example.test',
      '--allowed-host',
      'other.example.test',
    ]);
    try {
      const [, url = ''] = await run.waitForLine(/dashboard on (http:\/\/127\.0\.0\.1:\d+\/)$/);
      const { port } = new URL(url);
      for (const host of ['dash.example.test', `other.example.test:${port}`])
        expect((await openPage(url, { host })).status, host).toBe(200);
      const rebound = await openPage(url, { host: `127.0.0.1.attacker.example:${port}` });
      expect(rebound.status).toBe(421);
      expect(rebound.cookie).toBe('');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
    const bad = qdo(['--connection', `${queuey.server.url}/v1/queuey/`, '--allowed-host', '*']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr).toMatch(/allowed host "\*" is not a host name/);
  });

  test('refuses a non-loopback address without a token', async () => {
    const run = qdo(['--connection', `${queuey.server.url}/v1/queuey/`, '--host', '0.0.0.0']);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr).toMatch(/needs a token/);
  });
});

describe('qdo-worker with [dashboard] port', () => {
  test('the running worker serves the dashboard, which sees it work, and both stop on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qdo-dashboard-worker-'));
    const queue = 'served';
    await queuey.client.createQueue({ queueName: queue, partitions: 2 });
    await queuey.client.postMessages(queue, [
      { body: 'a', partition: 1 },
      { body: 'b', partition: 2 },
    ]);
    await writeFile(join(dir, 'job.mjs'), 'export const job = async () => {};\n');
    const worker = startQdoWorker({
      bin: QDO_WORKER,
      dir,
      env: { QDO_APP_KEY: APP_KEY, QDO_DASHBOARD_TOKEN: '' },
      config: [
        '[qdo-worker]',
        'job = ./job.mjs:job',
        'name = served',
        'wait_interval = 1',
        'long_poll = 1',
        'discovery_interval = 1',
        '[partitions]',
        'policy = all',
        '[queuey]',
        `connection = ${queuey.server.url}/v1/queuey/`,
        '[dashboard]',
        'port = 0',
        'allowed_hosts = dash.example.test',
        '',
      ].join('\n'),
    });
    try {
      const [, url = ''] = await worker.waitForLine(/dashboard on (http:\/\/127\.0\.0\.1:\d+\/)$/);
      expect((await openPage(url, { host: 'dash.example.test' })).status).toBe(200);
      expect((await openPage(url, { host: 'evil.example.test' })).status).toBe(421);
      await until('the dashboard shows both partitions processed by this worker', async () => {
        const snapshot = (await (await fetch(`${url}api/snapshot`)).json()) as {
          partitions: { queue: string; lag: number; worker?: string; position: string }[];
        };
        const mine = snapshot.partitions.filter((p) => p.queue === queue);
        return (
          mine.length === 2 &&
          mine.every((p) => p.lag === 0 && p.position !== '' && p.worker?.includes('served'))
        );
      });
    } finally {
      worker.child.kill('SIGTERM');
    }
    const exit = await worker.exited;
    expect(exit.code, worker.stderr).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });
});
