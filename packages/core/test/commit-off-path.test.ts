/**
 * A progress commit never holds the next job: it goes out in the background,
 * chained after the write before it, while the jobs go on.
 */
import { QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { StopWorker, Worker, type WorkerSettings } from '../src/index.js';
import { APP_KEY, quietLogger, run, statuses, until, useQueuey } from './helpers.js';
import { startHoldingProxy } from './support/holding-proxy.js';

const q = useQueuey();

/** A progress commit of a work partition (a claim writes an empty position). */
const isCommit = (method: string, path: string, body: string) =>
  method === 'PUT' && path.includes('/qdo_status/') && /"processed":"[0-9a-f]{32}"/.test(body);

const cases: [string, WorkerSettings][] = [
  ['the next batch (a batch per message)', { batchSize: 1 }],
  ['the next message of the batch (commitEvery = 1)', { commitEvery: 1 }],
];

describe('a commit held open by the server', () => {
  for (const [what, settings] of cases) {
    it(`does not hold the start of ${what}`, async () => {
      const { queue, ids } = await q.queueWith(['a', 'b']);
      const proxy = await startHoldingProxy(q.server.url, isCommit);
      try {
        const started: { body: string; answered: number }[] = [];
        const w = new Worker({
          queuey: new QueueyClient({ connection: `${proxy.url}/v1/queuey/`, appKey: APP_KEY }),
          logger: quietLogger,
          settings: { waitInterval: 0.02, ...settings },
          async job(m) {
            // Commits answered by the server when this job started.
            started.push({ body: m.body, answered: proxy.heldInAll - proxy.held });
            if (m.body !== 'b') return;
            // a's commit reaches the server and is held there while b runs
            // (the test lets it go once it saw it held).
            await until(() => proxy.heldInAll === 1);
            throw new StopWorker();
          },
        });
        const done = run(w);
        await until(() => started.length === 2 && proxy.held === 1);
        expect(started).toEqual([
          { body: 'a', answered: 0 },
          { body: 'b', answered: 0 },
        ]);
        proxy.release();
        await done;
        // b stopped the worker unprocessed: the saved position is a's.
        expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[0]);
        expect(proxy.heldInAll).toBe(1);
      } finally {
        await proxy.close();
      }
    });
  }
});
