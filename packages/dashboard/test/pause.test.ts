import { STATUS_QUEUE, StatusAdmin, statusIdOf, statusPartition } from '@qdo/core';
import { describe, expect, test } from 'vitest';
import type { Snapshot } from '../src/api-types.js';
import { uniqueName, useDashboards } from './fixtures.js';

const dash = useDashboards();

/** The `paused` key of a partition's status message as the server holds it (none without qdo_status). */
async function pausedOnServer(name: string): Promise<unknown> {
  const queues = await dash.queuey.client.listQueues({ offset: STATUS_QUEUE, limit: 1 });
  if (queues[0]?.queue_name !== STATUS_QUEUE) return undefined;
  const read = await dash.queuey.client.getMessage(STATUS_QUEUE, {
    partition: statusPartition(Number(name.split('-').at(-1))),
    id: statusIdOf(name),
  });
  return read ? (JSON.parse(read.message.body) as { paused?: unknown }).paused : undefined;
}

describe('the Pause and Resume buttons', () => {
  test('pause writes paused into the status message, the snapshot shows the partition paused, resume drops it', async () => {
    const act = await dash.actions();
    const q = uniqueName('pausing');
    await dash.queuey.client.createQueue({ queueName: q, partitions: 2 });
    await dash.queuey.client.postMessages(q, [{ body: 'waiting', partition: 1 }]);

    const paused = await act('api/pause', { partition: `${q}-1` });
    expect(paused.status, paused.error).toBe(200);
    expect(paused.result).toEqual([{ partition: `${q}-1`, processed: '', changed: true }]);
    expect(await pausedOnServer(`${q}-1`)).toMatchObject({
      by: expect.stringContaining('dashboard'),
    });
    expect(await pausedOnServer(`${q}-2`)).toBeUndefined();
    const states = (s?: Snapshot) =>
      s?.partitions.filter((p) => p.queue === q).map((p) => [p.name, p.state]);
    expect(states(paused.snapshot)).toEqual([
      [`${q}-1`, 'paused'],
      [`${q}-2`, 'idle'],
    ]);

    const resumed = await act('api/resume', { partition: `${q}-1` });
    expect(resumed.status, resumed.error).toBe(200);
    expect(await pausedOnServer(`${q}-1`)).toBeUndefined();
    expect(states(resumed.snapshot)?.[0]?.[1]).not.toBe('paused');

    // A whole queue at once, as `qdo pause QUEUE` does; the CLI's StatusAdmin sees the same.
    expect((await act('api/pause', { queue: q })).status).toBe(200);
    const again = await new StatusAdmin(dash.queuey.client, 'test').pause(q);
    expect(again.map((r) => r.changed)).toEqual([false, false]);
  });

  test('refuses unknown keys, both or neither target, and a missing queue, and writes nothing', async () => {
    const act = await dash.actions();
    const q = uniqueName('pausing');
    await dash.queuey.client.createQueue({ queueName: q, partitions: 1 });
    const cases: [unknown, number, string][] = [
      [
        { partition: `${q}-1`, all: true },
        400,
        'unknown key "all": this action takes partition, queue',
      ],
      [{}, 400, 'say what to pause or resume: partition (Q-N) or queue, one of them'],
      [
        { partition: `${q}-1`, queue: q },
        400,
        'say what to pause or resume: partition (Q-N) or queue, one of them',
      ],
      [{ partition: q }, 400, `partition must be Q-N, got "${q}"`],
      [{ partition: 'nosuch-1' }, 404, 'no queue named nosuch'],
      [{ partition: `${q}-2` }, 400, `queue ${q} has 1 partition(s), not 2`],
      [{ queue: `${q}-1` }, 404, `no queue named ${q}-1`],
      [
        { queue: 'qdo_status' },
        400,
        "qdo_status is qdo's own bookkeeping queue: no worker runs it",
      ],
    ];
    for (const [body, status, error] of cases) {
      const answer = await act('api/pause', body);
      expect([answer.status, answer.error], JSON.stringify(body)).toEqual([status, error]);
    }
    expect(await pausedOnServer(`${q}-1`)).toBeUndefined();
  });
});
