import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { APP_KEY, type Queuey, startQueuey, until } from './fixtures.js';

// `qdo dashboard` as users run it: @qdo/cli's built bin (built with the rest by `pnpm build`).
const QDO = fileURLToPath(new URL('../../cli/dist/bin/qdo.js', import.meta.url));

let queuey: Queuey;
beforeEach(async () => {
  if (!existsSync(QDO)) throw new Error(`${QDO} is missing: run pnpm build first`);
  queuey = await startQueuey();
});
afterEach(async () => {
  await queuey.close();
});

function qdo(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [QDO, 'dashboard', ...args], {
    cwd: tmpdir(),
    env: { ...process.env, QDO_APP_KEY: APP_KEY, QDO_DASHBOARD_TOKEN: '', ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, out, exited };
}

describe('qdo dashboard', () => {
  test('prints its URL, serves the page and stops cleanly on SIGTERM', async () => {
    const run = qdo(['--connection', `${queuey.server.url}/v1/queuey/`, '--port', '0']);
    try {
      await until('it prints its URL', () =>
        /dashboard on http:\/\/127\.0\.0\.1:\d+\/\n/.test(run.out.stdout),
      );
      const url = /dashboard on (\S+)/.exec(run.out.stdout)?.[1] ?? '';
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>qdo dashboard</title>');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });

  test('refuses a non-loopback address without a token', async () => {
    const run = qdo(['--connection', `${queuey.server.url}/v1/queuey/`, '--host', '0.0.0.0']);
    expect(await run.exited).toBe(2);
    expect(run.out.stderr).toMatch(/needs a token/);
  });
});
