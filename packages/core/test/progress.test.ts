import type { Message } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { ManualPartitioner, StopWorker } from '../src/index.js';
import { run, statuses, uniqueName, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { worker } = q;

describe('progress', () => {
  it('is kept in one status message per partition in the documented format', async () => {
    const queue = uniqueName('with-dash-');
    await q.client.createQueue({ queueName: queue, partitions: 9 });
    const a = await q.client.postMessage(queue, 'x', { partition: 9 });
    await q.client.postMessage(queue, 'stop', { partition: 9 });
    const w = worker({
      job: (m) => {
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    await run(w);
    const status = await statuses(q.client);
    expect(status[`${queue}-9`]).toMatchObject({ processed: a.key, last_worker: w.name, sp: 2 });
    expect(status[`${queue}-9`]?.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('lets a restarted worker resume from committed progress without losing a message', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => `${i}`);
    const { queue, ids } = await q.queueWith(bodies);
    const first: string[] = [];
    await run(
      worker({
        settings: { batchSize: 3 },
        job(m: Message) {
          if (m.body === '4') throw new StopWorker();
          first.push(m.body);
        },
      }),
    );
    expect(first).toEqual(['0', '1', '2', '3']);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[3]);
    const second: string[] = [];
    await run(
      worker({
        settings: { batchSize: 3 },
        job(m: Message) {
          second.push(m.body);
          if (m.body === '9') throw new StopWorker();
        },
      }),
    );
    expect(second).toEqual(['4', '5', '6', '7', '8', '9']);
    // StopWorker left '9' unmarked: the status points at '8'
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[8]);
  });

  it('writes progress per message with commitEvery = 1, per batch by default', async () => {
    for (const commitEvery of [1, 0]) {
      const { queue, ids } = await q.queueWith(['a', 'b', 'c', 'stop']);
      const seenStatus: string[] = [];
      const saved = async () => (await statuses(q.client))[`${queue}-1`]?.processed ?? '';
      await run(
        worker({
          settings: { commitEvery },
          partitioner: new ManualPartitioner([`${queue}-1`]),
          async job(m) {
            // The next job does not wait for the commit; with commitEvery = 1
            // the one before this job's is sent, so it lands.
            const before = ids[ids.indexOf(m.message_id) - 1] ?? '';
            if (commitEvery === 1) await until(async () => (await saved()) === before);
            seenStatus.push(await saved());
            if (m.body === 'stop') throw new StopWorker();
          },
        }),
      );
      if (commitEvery === 1) expect(seenStatus).toEqual(['', ids[0], ids[1], ids[2]]);
      else expect(seenStatus).toEqual(['', '', '', '']);
      expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[2]);
    }
  });

  it('reads status messages beyond the first 1000 on start; the newest wins', async () => {
    // A's statuses are the oldest and B's the newest of 1100 others, so reading only
    // the first 1000 in either order misses one of them.
    const a = await q.queueWith(['a1', 'b1', 'c1']);
    const b = await q.queueWith(['a2', 'b2', 'c2']);
    await q.client.createQueue({ queueName: 'qdo_status', partitions: 7 });
    await q.client.createQueue({ queueName: 'qdo_error', partitions: 7 });
    const status = (partition: string, processed: string) => ({
      body: JSON.stringify({ partition, processed, last_worker: 'x' }),
      partition: 1,
    });
    await q.client.postMessages('qdo_status', [status(`${a.queue}-1`, '')]);
    await q.client.postMessages('qdo_status', [status(`${a.queue}-1`, a.ids[1] as string)]);
    const filler = Array.from({ length: 1100 }, (_, i) => status(`other${i}-1`, ''));
    for (let i = 0; i < filler.length; i += 500) {
      await q.client.postMessages('qdo_status', filler.slice(i, i + 500));
    }
    await q.client.postMessages('qdo_status', [status(`${b.queue}-1`, '')]);
    await q.client.postMessages('qdo_status', [status(`${b.queue}-1`, b.ids[1] as string)]);
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(m.body);
          if (seen.length === 2) throw new StopWorker();
        },
      }),
    );
    expect(seen.sort()).toEqual(['c1', 'c2']);
  });

  it('handles queue names containing dashes', async () => {
    const queue = `a-b-${uniqueName()}-c`;
    await q.client.createQueue({ queueName: queue, partitions: 2 });
    await q.client.postMessage(queue, 'one', { partition: 2 });
    await q.client.postMessage(queue, 'stop', { partition: 2 });
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(m.body);
          if (m.body === 'stop') throw new StopWorker();
        },
      }),
    );
    expect(seen).toEqual(['one', 'stop']);
    expect(Object.keys(await statuses(q.client))).toContain(`${queue}-2`);
  });
});
