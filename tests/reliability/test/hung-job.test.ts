// One job that never settles (and ignores its signal) must not stall the
// other partitions, and SIGTERM must still end the worker in bounded time,
// saying what it could not save.
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { until } from './support/env.js';
import { type Fixture, startFixture } from './support/fixture.js';
import { fixtureWorkers, readRecords } from './support/worker.js';

const hungJob = fileURLToPath(new URL('./support/jobs/hung.mjs', import.meta.url));

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** Queue `hung` of 4 partitions: partition 1 starts with a hanging job, 2-4 get 20 messages each. */
async function setUp(extra: string[]) {
  fx = await startFixture('hung');
  await fx.client.createQueue({ queueName: 'hung', partitions: 4 });
  await fx.client.postMessages('hung', [
    { body: 'hang', partition: 1 },
    { body: 'after', partition: 1 },
  ]);
  const posted = [];
  for (const partition of [2, 3, 4]) {
    const batch = Array.from({ length: 20 }, (_, i) => ({ body: `${partition}-${i}`, partition }));
    posted.push(...(await fx.client.postMessages('hung', batch)));
  }
  const workers = fixtureWorkers(fx, {
    batchSize: 5,
    concurrency: 4,
    job: `${hungJob}:job`,
    extra,
  });
  return { ...workers, posted: posted.length };
}

test('a hung job in one partition does not stop the other three from draining', async () => {
  const { records, spawn, posted } = await setUp([]);
  const worker = spawn();
  await until('the other partitions drained', () => {
    return readRecords(records).filter((r) => r.partition !== 1).length >= posted;
  });
  const runs = readRecords(records);
  expect(runs.filter((r) => r.partition === 1).map((r) => r.body)).toEqual(['hanging']);
  for (const partition of [2, 3, 4]) {
    const bodies = runs.filter((r) => r.partition === partition).map((r) => r.body);
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => `${partition}-${i}`));
  }
  expect((await worker.stop('SIGKILL')).signal).toBe('SIGKILL');
});

const SHUTDOWN_TIMEOUT_MS = 2000;

test('SIGTERM with a hung job exits within shutdown_timeout + 1 s, non-zero, naming what was not saved', async () => {
  const { records, spawn, posted } = await setUp(['shutdown_timeout = 2', 'abort_grace = 0.2']);
  const worker = spawn();
  await until('the other partitions drained', () => {
    return readRecords(records).filter((r) => r.partition !== 1).length >= posted;
  });
  const stoppedAt = Date.now();
  const exit = await worker.stop('SIGTERM');
  const took = Date.now() - stoppedAt;
  expect(exit.code, worker.output).not.toBe(0);
  expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1000);
  expect(took).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
  const hanging = readRecords(records).find((r) => r.body === 'hanging');
  expect(worker.stderr).toMatch(/hung-1 \(job on [0-9a-f]{32} did not settle\)/);
  expect(worker.stderr).toContain(hanging?.id);
  // The drained partitions were committed: nothing else is named.
  expect(worker.stderr).not.toMatch(/hung-[234]/);
  console.log(`[hung-job] SIGTERM with a hung job: exit ${exit.code} after ${took} ms`);
});
