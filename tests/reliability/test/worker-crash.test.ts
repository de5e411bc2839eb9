// Workers SIGKILLed at seeded random moments while draining a queue of 8
// partitions, restarted each time: nothing is skipped, and the repeats are
// bounded by the batches the killed workers had not yet committed.
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { between, LONG, rng, SEED, scale, until } from './support/env.js';
import { type Fixture, postNumbered, startFixture } from './support/fixture.js';
import { readRecords, tally, workerFactory } from './support/worker.js';

const PARTITIONS = 8;
const BATCH = 20;
const MESSAGES = scale(2_000, 10_000);
const ROUNDS = scale(3, 20);

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

test(`SIGKILLed workers (${ROUNDS} rounds, ${MESSAGES} messages) skip nothing and repeat at most the uncommitted batches`, async () => {
  fx = await startFixture('crash');
  const { client } = fx;
  await client.createQueue({ queueName: 'crash', partitions: PARTITIONS });
  const posted = await postNumbered({
    client,
    queue: 'crash',
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
    jobMs: LONG ? 3 : 2,
  });
  const random = rng(SEED);
  let killedMidDrain = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const worker = spawnWorker();
    await worker.waitFor(/worker \S+ started/);
    await new Promise((r) => setTimeout(r, between(random, 50, 400)));
    if (tally(readRecords(records)).distinct < MESSAGES) killedMidDrain += 1;
    const { signal } = await worker.kill('SIGKILL');
    expect(signal).toBe('SIGKILL');
  }
  const last = spawnWorker();
  await until(
    'the last worker to finish the queue',
    () => tally(readRecords(records)).distinct >= MESSAGES,
    60_000,
  );
  expect((await last.kill('SIGTERM')).code).toBe(0);

  const runs = readRecords(records);
  const { distinct, duplicates } = tally(runs);
  const ran = new Set(runs.map((r) => r.id));
  const missing = posted.filter((id) => !ran.has(id));
  expect(missing, 'messages never processed').toEqual([]);
  expect(distinct).toBe(MESSAGES);
  // Each kill can lose at most one uncommitted batch per partition in flight.
  const bound = ROUNDS * BATCH * PARTITIONS;
  expect(duplicates).toBeLessThanOrEqual(bound);
  // Within a partition, first runs follow the posted order: nothing overtaken.
  for (let p = 1; p <= PARTITIONS; p++) {
    const seen = new Set<string>();
    const firsts = runs.filter((r) => r.partition === p && !seen.has(r.id) && seen.add(r.id));
    const bodies = firsts.map((r) => Number(r.body));
    expect(bodies).toEqual([...bodies].sort((a, b) => a - b));
  }
  console.log(
    `[worker-crash] seed ${SEED}: ${ROUNDS} kills (${killedMidDrain} mid-drain), ${MESSAGES} messages, ` +
      `${duplicates} repeats (bound ${bound})`,
  );
});
