// A qdo-worker running a batch hook (job_batch) SIGKILLed in the middle of a
// drain, then restarted: nothing lost, each partition's order kept, and the
// repeats bounded per partition by the batch whose commit was on its way at
// the kill and the one in hand (the next batch does not wait for a commit).
import { afterEach, expect, test } from 'vitest';
import { crashDrain } from './support/crash.js';
import { until } from './support/env.js';
import { type Fixture, startFixture } from './support/fixture.js';
import { readRecords, recordBatch, tally } from './support/worker.js';

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
  const drain = await crashDrain(fx, {
    queue: 'batches',
    messages: MESSAGES,
    partitions: PARTITIONS,
    worker: {
      batchSize: BATCH,
      // Per batch: 25 batches a partition take a few seconds, so the kill lands mid-drain.
      jobMs: 100,
      jobBatch: recordBatch,
    },
  });

  const first = await drain.start();
  await until('the worker to be draining', () => readRecords(drain.records).length >= MESSAGES / 5);
  const exit = await first.stop('SIGKILL');
  expect(exit.signal).toBe('SIGKILL');
  // The kill happened mid-work: some but not all messages were seen.
  const atKill = drain.distinct();
  expect(atKill).toBeGreaterThan(0);
  expect(atKill).toBeLessThan(MESSAGES);

  const runs = await drain.finish();
  const { duplicates } = tally(runs);
  const bound = 2 * BATCH * PARTITIONS;
  expect(duplicates).toBeLessThanOrEqual(bound);
  console.log(
    `[batch-crash] SIGKILL after ${atKill} of ${MESSAGES} messages: ${duplicates} repeats (bound ${bound})`,
  );
});
