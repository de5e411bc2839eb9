// Big messages make the server end a page at its answer byte budget (8 MiB by
// default): 600 KB messages come 13 to a page of 100. Every listing and count
// must read on past such a short page.
import { ERROR_QUEUE, ensureBookkeepingQueues } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { row, useQdoServer } from './qdo-server.js';

const BIG = 'x'.repeat(600 * 1024);

/** A saved failure of partition jobs-1, as @qdo/failure's saveFailedMessage writes it. */
const failure = (i: number) =>
  JSON.stringify({
    message_id: i.toString(16).padStart(32, '0'),
    timestamp: '1700000000.0000000',
    body: `${i}:${BIG}`,
    partition: 1,
    queue: 'jobs-1',
  });

describe('listings and counts with messages bigger than a page holds', () => {
  const f = useQdoServer();

  it('qdo errors ls lists all 22 failed 600 KB messages and replay leaves none behind', async () => {
    await f.client.createQueue({ queueName: 'jobs' });
    await ensureBookkeepingQueues(f.client, { only: ERROR_QUEUE });
    for (let i = 0; i < 22; i++)
      await f.client.postMessages('qdo_error', [{ body: failure(i), partition: 1 }]);

    const listed = await f.qdo(['errors', 'ls', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { errorId: string }[];
    expect(rows).toHaveLength(22);
    const table = await f.qdo(['errors', 'ls']);
    for (const { errorId } of rows) expect(table.stdout).toContain(errorId);

    const replayed = await f.qdo(['errors', 'replay', '--yes']);
    expect(replayed, replayed.stderr).toMatchObject({ code: 0, stdout: 'replayed 22 messages\n' });
    expect(JSON.parse((await f.qdo(['errors', 'ls', '--json'])).stdout)).toEqual([]);
    let back = 0;
    for await (const m of f.client.iterateMessages('jobs')) {
      expect(m.body).toBe(`${back}:${BIG}`);
      back++;
    }
    expect(back).toBe(22);
  });

  it('qdo errors purge deletes all 22', async () => {
    await ensureBookkeepingQueues(f.client, { only: ERROR_QUEUE });
    for (let i = 0; i < 22; i++)
      await f.client.postMessages('qdo_error', [{ body: failure(i), partition: 1 }]);
    const purged = await f.qdo(['errors', 'purge', '--yes']);
    expect(purged, purged.stderr).toMatchObject({ code: 0, stdout: 'purged 22 messages\n' });
    expect(await f.client.messages('qdo_error', { partition: 1 })).toEqual([]);
  });

  it('qdo status counts a lag of 20 waiting 600 KB messages', async () => {
    await f.client.createQueue({ queueName: 'jobs' });
    for (let i = 0; i < 20; i++) await f.client.postMessage('jobs', `${i}:${BIG}`);
    const status = await f.qdo(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(row(status.stdout, 'jobs-1')?.[4]).toBe('20');
    const json = JSON.parse((await f.qdo(['status', '--json'])).stdout);
    expect(json[0]).toMatchObject({ lag: 20, lagCapped: false });
  });

  it('qdo status says plainly when it stopped counting the lag at its cap', async () => {
    await f.client.createQueue({ queueName: 'many' });
    for (let i = 0; i < 11; i++) {
      const batch = Array.from({ length: 1000 }, (_, j) => ({ body: `${i}-${j}` }));
      await f.client.postMessages('many', batch);
    }
    const status = await f.qdo(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(row(status.stdout, 'many-1')?.[4]).toBe('>= 10000');
    const json = JSON.parse((await f.qdo(['status', '--json'])).stdout);
    expect(json[0]).toMatchObject({ lag: 10_000, lagCapped: true });
  });
});
