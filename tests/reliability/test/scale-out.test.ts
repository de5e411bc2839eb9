// Stateless Queuey servers over one PostgreSQL database: a worker whose
// connection list names two of them keeps draining, losing nothing, when the
// server it talks to is killed — and a post through one server wakes a
// long-poll held by the other.
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { createPostgresSchema, type PostgresCluster, startPostgresCluster } from '@qdo/test-utils';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { scale, until } from './support/env.js';
import { postNumbered, tempDir } from './support/fixture.js';
import { QueueyProcess } from './support/queuey.js';
import { newKey } from './support/secrets.js';
import { readRecords, tally, workerFactory } from './support/worker.js';

const DRAIN = scale(2_000, 10_000);

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Two servers on one fresh schema. */
async function twoServers() {
  const tmp = tempDir('scale-out');
  const key = newKey();
  const db = await createPostgresSchema(cluster.url, 'rel');
  const postgres = { url: db.url, schema: db.schema };
  const options = { dir: tmp.dir, apps: { queuey: key }, postgres };
  const a = new QueueyProcess(options);
  const b = new QueueyProcess(options);
  cleanup.push(
    () => db.drop(),
    tmp.remove,
    () => a.stop(),
    () => b.stop(),
  );
  await a.start();
  await b.start();
  return { dir: tmp.dir, key, a, b };
}

test('a worker over two servers on one database loses nothing when one is killed', async () => {
  const { dir, key, a, b } = await twoServers();
  const viaB = new QueueyClient({ connection: b.appRoot(), appKey: key });
  await viaB.createQueue({ queueName: 'shared', partitions: 4 });
  const posted = await postNumbered({ client: viaB, queue: 'shared', count: DRAIN, partitions: 4 });
  const records = join(dir, 'records.log');
  // Both servers are local, so the client picks one at random; killing each
  // in turn (A, then B once A is back) makes sure the one in use dies once.
  const worker = workerFactory({
    dir,
    connection: `${a.appRoot()},${b.appRoot()}`,
    appKey: key,
    records,
    batchSize: 20,
    concurrency: 4,
    jobMs: 2,
  })();
  cleanup.push(async () => {
    await worker.stop('SIGKILL');
  });
  const progress = async (share: number) =>
    until('the worker to make progress', () => readRecords(records).length > DRAIN * share, 60_000);
  await progress(0.2);
  await a.kill();
  await progress(0.5);
  await a.start();
  await b.kill();
  await until(
    'every message processed',
    () => tally(readRecords(records)).distinct >= DRAIN,
    120_000,
  );
  expect((await worker.stop('SIGTERM')).code).toBe(0);
  const ran = new Set(readRecords(records).map((r) => r.id));
  expect(posted.filter((id) => !ran.has(id))).toEqual([]);
  // And the progress the worker committed is visible through the survivor.
  const viaA = new QueueyClient({ connection: a.appRoot(), appKey: key });
  const status = await viaA.messages('qdo_status', {
    partitions: [1, 2, 3, 4, 5, 6, 7],
    limit: 1000,
  });
  const shared = status
    .map((m) => JSON.parse(m.body))
    .filter((s) => String(s.partition).startsWith('shared-'));
  expect(shared.length).toBeGreaterThanOrEqual(4);
});

test('a post through one server wakes a long-poll held by the other', async () => {
  const { key, a, b } = await twoServers();
  const viaA = new QueueyClient({ connection: a.appRoot(), appKey: key });
  const viaB = new QueueyClient({ connection: b.appRoot(), appKey: key });
  await viaA.createQueue({ queueName: 'wake', partitions: 1 });
  const started = Date.now();
  const held = viaB.messages('wake', { wait: 20 });
  // The read is held on B until A commits a message (LISTEN/NOTIFY between them).
  await new Promise((r) => setTimeout(r, 200));
  await viaA.postMessage('wake', 'through A');
  const found = await held;
  expect(found.map((m) => m.body)).toEqual(['through A']);
  expect(Date.now() - started).toBeLessThan(10_000);
});
