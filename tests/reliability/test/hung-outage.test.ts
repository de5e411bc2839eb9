// SIGTERM while the server is down: the worker must not exit 0 when its last
// commit could not be written (those messages run again after a restart).
import { afterEach, expect, test } from 'vitest';
import { until } from './support/env.js';
import { type Fixture, postNumbered, startFixture } from './support/fixture.js';
import { fixtureWorkers, readRecords } from './support/worker.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close().catch(() => {});
  fx = undefined;
});

test('SIGTERM during a server outage exits non-zero, naming the partition whose position was not saved', async () => {
  fx = await startFixture('outage-stop');
  await fx.client.createQueue({ queueName: 'down', partitions: 1 });
  await postNumbered({ client: fx.client, queue: 'down', count: 50, partitions: 1 });
  const { records, spawn } = fixtureWorkers(fx, { batchSize: 50, concurrency: 1, jobMs: 50 });
  const worker = spawn();
  await worker.waitForOutput(/worker \S+ started/);
  await until('a few messages of the batch ran', () => readRecords(records).length >= 3);
  await fx.server.close(); // mid-batch: nothing of it is committed yet
  const exit = await worker.stop('SIGTERM');
  expect(exit.code, worker.output).not.toBe(0);
  expect(worker.stderr).toMatch(
    /down-1 \(\d+ finished message\(s\) after the saved position not committed\)/,
  );
});
