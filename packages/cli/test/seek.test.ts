import { mkdirSync, writeFileSync } from 'node:fs';
import { ProgressStore, STATUS_QUEUE, statusIdOf } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { KEY, row, useQdoServer } from './qdo-server.js';
import { run } from './spawn.js';

const f = useQdoServer();

describe('qdo seek', () => {
  it('moves a partition past a message, to the newest, and back to the start; status shows it', async () => {
    await f.client.createQueue({ queueName: 'jobs', partitions: 2 });
    const ids = (
      await f.client.postMessages(
        'jobs',
        ['a', 'stop', 'c'].map((body) => ({ body, partition: 2 })),
      )
    ).map((m) => m.key);

    const dry = await f.qdo(['seek', 'jobs-2', '--to', ids[1] as string]);
    expect(dry.code).toBe(2);
    expect(dry.stdout).toContain('run again with --yes');
    expect(await f.client.listQueues()).not.toContainEqual({ queue_name: STATUS_QUEUE });

    const moved = await f.qdo(['seek', 'jobs-2', '--to', ids[1] as string, '--yes']);
    expect(moved).toMatchObject({ code: 0, stdout: `moved jobs-2 from (start) to ${ids[1]}\n` });
    const status = await f.qdo(['status']);
    expect(row(status.stdout, 'jobs-2')?.slice(1, 3)).toEqual([
      expect.stringMatching(/^qdo seek by /),
      ids[1],
    ]);
    expect(row(status.stdout, 'jobs-2')?.[4]).toBe('1');

    expect((await f.qdo(['seek', 'jobs-2', '--newest', '--yes'])).stdout).toBe(
      `moved jobs-2 from ${ids[1]} to ${ids[2]}\n`,
    );
    expect((await f.qdo(['seek', 'jobs-2', '--start', '--yes'])).stdout).toBe(
      `moved jobs-2 from ${ids[2]} to (start)\n`,
    );
    const store = new ProgressStore({
      queuey: f.client,
      worker: 'w',
      now: Date.now,
      logger: console,
    });
    expect(await store.acquire('jobs-2')).toBe('');
  });

  it('refuses bad arguments with exit 2 and unknown messages or partitions with exit 1', async () => {
    await f.client.createQueue({ queueName: 'jobs', partitions: 2 });
    expect((await f.qdo(['seek', 'jobs-2', '--yes'])).code).toBe(2);
    expect((await f.qdo(['seek', 'jobs-2', '--start', '--newest', '--yes'])).code).toBe(2);
    expect((await f.qdo(['seek', 'jobs', '--start', '--yes'])).code).toBe(2);
    expect((await f.qdo(['seek', 'jobs-2', '--to', 'zzzz', '--yes'])).code).toBe(2);
    const missing = await f.qdo(['seek', 'jobs-2', '--to', 'a'.repeat(32), '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no message ${'a'.repeat(32)} in jobs-2`);
    expect((await f.qdo(['seek', 'jobs-3', '--start', '--yes'])).code).toBe(1);
    expect((await f.qdo(['seek', 'nosuch-1', '--start', '--yes'])).code).toBe(1);
  });

  it("opens an embedded config's database itself: a worker stopped by a message took its f.server down", async () => {
    await f.client.createQueue({ queueName: 'example', partitions: 1 });
    const [, stop] = await f.client.postMessages('example', [
      { body: 'a', partition: 1 },
      { body: 'stop', partition: 1 },
    ]);
    await f.server.close();
    mkdirSync(f.dir.file('etc'));
    writeFileSync(
      f.dir.file('etc/qdo.conf'),
      `[queuey]\nconnection = embedded:../q.db\napp_key = ${KEY}\n`,
    );
    const moved = await run(
      'qdo',
      ['seek', 'example-1', '--to', stop?.key as string, '--yes', '-c', 'etc/qdo.conf'],
      {
        cwd: f.dir.path,
      },
    );
    expect(moved, moved.stderr).toMatchObject({ code: 0 });
    await f.start();
    const store = new ProgressStore({
      queuey: f.client,
      worker: 'w',
      now: Date.now,
      logger: console,
    });
    expect(await store.acquire('example-1')).toBe(stop?.key);
  });

  it('fixes a partition that status shows as corrupt', async () => {
    await f.client.createQueue({ queueName: 'jobs', partitions: 1 });
    await f.client.createQueue({ queueName: STATUS_QUEUE, partitions: 7 });
    const [posted] = await f.client.postMessages('jobs', [{ body: 'x', partition: 1 }]);
    const body = JSON.stringify({ partition: 'jobs-1', processed: 'zzzz', last_worker: 'x' });
    await f.client.putMessages(STATUS_QUEUE, [{ partition: 1, id: statusIdOf('jobs-1') }], body);
    const status = await f.qdo(['status']);
    expect(row(status.stdout, 'jobs-1')?.[2]).toBe('CORRUPT');
    expect(status.stdout).toMatch(
      new RegExp(
        `^jobs-1: status message qdo_status/1:${statusIdOf('jobs-1')} is corrupt .*qdo seek jobs-1`,
        'm',
      ),
    );
    expect((await f.qdo(['seek', 'jobs-1', '--to', posted?.key as string, '--yes'])).code).toBe(0);
    const fixed = await f.qdo(['status']);
    expect(row(fixed.stdout, 'jobs-1')?.[2]).toBe(posted?.key);
    expect(fixed.stdout).not.toContain('corrupt');
  });
});
