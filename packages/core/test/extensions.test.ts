import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@qdo/queuey-server';
import { describe, expect, it } from 'vitest';
import { StopWorker, Worker } from '../src/index.js';
import { newClient, quietLogger, run, uniqueName, until } from './helpers.js';

/** A server with some extensions switched off, a worker on it, a message posted while it idles. */
async function drainWithout(disableExtensions: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'qdo-core-ext-'));
  const server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: ['f25bfb8fe200475c8a0532a9cbe7651e'] },
    disableExtensions,
  });
  try {
    const client = newClient(server);
    const queue = uniqueName();
    await client.createQueue({ queueName: queue, partitions: 3 });
    const batch = Array.from({ length: 30 }, (_, i) => ({ body: `${i}`, partition: (i % 3) + 1 }));
    await client.postMessages(queue, batch);
    const seen: string[] = [];
    let idle = 0;
    const w = new Worker({
      queuey: client,
      logger: quietLogger,
      settings: { batchSize: 4, waitInterval: 0.05, maxWait: 0.2 },
      metrics: {
        timing() {},
        gauge() {},
        increment: (name) => {
          if (name === 'worker.wait_for_jobs') idle += 1;
        },
      },
      job(m) {
        seen.push(m.body);
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => seen.length === 30 && idle > 0);
    await client.postMessage(queue, 'stop', { partition: 2 });
    await done;
    return seen;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('against servers without extensions', () => {
  for (const off of [['positions'], ['positions', 'wait']]) {
    it(`drains in order and sees new messages with ${off.join(' and ')} switched off`, async () => {
      const seen = await drainWithout(off);
      expect(seen).toHaveLength(31);
      for (const p of [0, 1, 2]) {
        const mine = seen.filter((b) => b !== 'stop' && Number(b) % 3 === p).map(Number);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    });
  }
});
