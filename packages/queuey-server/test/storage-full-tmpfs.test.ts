/**
 * A really full disk: the shipped `queuey` bin on a 1 MiB tmpfs, mounted in
 * a mount namespace of its own (`unshare -rm`: root, or unprivileged user
 * namespaces). Ballast fills most of it; writes then meet ENOSPC and answer
 * 507, logged once; deleting the ballast (through /proc/PID/root) gives the
 * space back and the next write clears the episode. Where the mount is not
 * possible this test is skipped; storage-full.test.ts covers the same with
 * SQLite's max_page_count everywhere.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { root, useCli } from './support/cli.js';
import { send } from './support/http-fixture.js';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const MOUNT = 'mount -t tmpfs -o size=1m tmpfs "$0"';

/** Whether a tmpfs can be mounted in a namespace of our own here. */
function canMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'queuey-mount-probe-'));
  try {
    return spawnSync('unshare', ['-rm', 'sh', '-c', MOUNT, dir]).status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mountable = canMount();
const cli = useCli();

describe('a full disk (tmpfs, real server process)', { timeout: 60_000 }, () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it.skipIf(!mountable)(
    'answers 507 on ENOSPC, logs it once, keeps what it acknowledged and clears when space returns',
    async () => {
      const dir = join(cli.dir(), 'disk');
      await mkdir(dir);
      // 700 KB of ballast leaves the database about 300 KB of the 1 MiB.
      const script = `${MOUNT} && head -c 700000 /dev/zero > "$0/ballast" && exec "$1" "$2" serve --port 0 --db "$0/q.db"`;
      const server = spawn(
        'unshare',
        ['-rm', 'sh', '-c', script, dir, process.execPath, join(root, 'dist', 'bin.js')],
        { env: { ...process.env, QUEUEY_APP_KEYS: `queuey=${KEY}`, NO_COLOR: '1' } },
      );
      child = server;
      let output = '';
      server.stdout?.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      server.stderr?.setEncoding('utf8').on('data', (d: string) => {
        output += d;
      });
      await waitFor(() => /listening on http/.test(output), { what: 'listening', timeout: 15_000 });
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] as string;
      expect((await send(url, 'POST', '/v1/queuey', { form: { queue_name: 'jobs' } })).status).toBe(
        201,
      );
      const body = 'x'.repeat(4000);
      const acknowledged: string[] = [];
      let refused = 0;
      for (let i = 0; i < 400 && refused < 50; i++) {
        const reply = await send(url, 'POST', '/v1/queuey/jobs', { body: `${i}:${body}` });
        expect([201, 507]).toContain(reply.status);
        if (reply.status === 201) acknowledged.push(`${i}`);
        else refused += 1;
      }
      expect(refused).toBe(50);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(output.match(/storage full/g)).toHaveLength(1);
      expect(output).not.toMatch(/unexpected error/);
      const beat = await send(url, 'GET', '/__heartbeat__', { key: null });
      expect(beat.status).toBe(200);
      expect(beat.json.storage).toBe('full');
      const read = await send(url, 'GET', '/v1/queuey/jobs', { query: { limit: 1000 } });
      expect(read.status).toBe(200);
      expect(read.json.messages.map((m: { body: string }) => m.body.split(':')[0])).toEqual(
        acknowledged,
      );

      // Space returns: the ballast goes (seen through the server's own mount namespace).
      await rm(`/proc/${server.pid}/root${dir}/ballast`);
      const after = await send(url, 'POST', '/v1/queuey/jobs', { body: 'after' });
      expect(after.status).toBe(201);
      expect(output.match(/space again/g)).toHaveLength(1);
      expect((await send(url, 'GET', '/__heartbeat__', { key: null })).json).toEqual({
        status: 'ok',
      });
      const all = await send(url, 'GET', '/v1/queuey/jobs', { query: { limit: 1000 } });
      expect(all.json.messages).toHaveLength(acknowledged.length + 1);
    },
  );
});
