// A qdo-worker running a batch hook (job_batch) SIGKILLed in the middle of a
// drain, then restarted: nothing lost, each partition's order kept, and the
// repeats bounded per partition by the batch whose commit was on its way at
// the kill and the one in hand (the next batch does not wait for a commit).
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { scale, until } from './support/env.js';
import { type Fixture, postNumbered, startFixture } from './support/fixture.js';
import { readRecords, recordBatch, tally, workerFactory } from './support/worker.js';

const PARTITIONS = 4;
const BATCH = 100;
const MESSAGES = 10_000;

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

test(`a batch-hook worker SIGKILLed mid-drain of ${MESSAGES} messages loses none, keeps order, repeats at most two batches per partition`, async () => {
  fx = await startFixture('batch-crash');
  const { client } = fx;
  await client.createQueue({ queueName: 'batches', partitions: PARTITIONS });
  const posted = await postNumbered({
    client,
    queue: 'batches',
    count: MESSAGES,
    partitions: PARTITIONS,
  });
  const records = join(fx.dir, 'records.log');
  const spawnWorker = workerFactory({
    dir: fx.dir,
    connection: fx.appRoot,
    appKey: fx.key,
    records,
    batchSize: BATCH,
    concurrency: PARTITIONS,
    // Per batch: 25 batches a partition take a few seconds, so the kill lands mid-drain.
    jobMs: 100,
    jobBatch: recordBatch,
  });

  const first = spawnWorker();
  await first.waitForOutput(/worker \S+ started/);
  await until('the worker to be draining', () => readRecords(records).length >= MESSAGES / 5);
  const exit = await first.stop('SIGKILL');
  expect(exit.signal).toBe('SIGKILL');
  // The kill happened mid-work: some but not all messages were seen.
  const atKill = tally(readRecords(records)).distinct;
  expect(atKill).toBeGreaterThan(0);
  expect(atKill).toBeLessThan(MESSAGES);

  const last = spawnWorker();
  await last.waitForOutput(/worker \S+ started/);
  await until(
    'the restarted worker to finish the queue',
    () => tally(readRecords(records)).distinct >= MESSAGES,
    scale(60_000, 300_000),
  );
  expect((await last.stop('SIGTERM')).code, last.output).toBe(0);

  const runs = readRecords(records);
  const ran = new Set(runs.map((r) => r.id));
  expect(
    posted.filter((id) => !ran.has(id)),
    'messages never processed',
  ).toEqual([]);
  // Per partition, the first runs follow the posted order, and a repeat is a
  // replay of the tail from the last committed position, not a reorder.
  for (let p = 1; p <= PARTITIONS; p++) {
    const seen = new Set<string>();
    const bodies = runs
      .filter((r) => r.partition === p && !seen.has(r.id) && seen.add(r.id))
      .map((r) => Number(r.body));
    expect(bodies).toEqual([...bodies].sort((a, b) => a - b));
    expect(bodies).toHaveLength(MESSAGES / PARTITIONS);
  }
  const { duplicates } = tally(runs);
  const bound = 2 * BATCH * PARTITIONS;
  expect(duplicates).toBeLessThanOrEqual(bound);
  console.log(
    `[batch-crash] SIGKILL after ${atKill} of ${MESSAGES} messages: ${duplicates} repeats (bound ${bound})`,
  );
});
