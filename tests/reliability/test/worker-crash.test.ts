// Workers stopped at seeded random moments while draining a queue of 8
// partitions, restarted each time. SIGKILL: nothing is skipped, and the
// repeats are bounded by what the killed workers had not yet committed.
// SIGTERM: nothing is skipped and nothing runs twice.
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { between, LONG, rng, SEED, scale, until } from './support/env.js';
import { type Fixture, postNumbered, startFixture } from './support/fixture.js';
import { type JobRecord, readRecords, tally, workerFactory } from './support/worker.js';

const PARTITIONS = 8;
const BATCH = 20;

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** Posts, then runs `rounds` workers each stopped by `signal`, then one that finishes. */
async function drainWithStops(options: {
  messages: number;
  rounds: number;
  signal: 'SIGKILL' | 'SIGTERM';
  commitEvery: number;
  seed: number;
}) {
  fx = await startFixture('crash');
  const { client } = fx;
  await client.createQueue({ queueName: 'crash', partitions: PARTITIONS });
  const posted = await postNumbered({
    client,
    queue: 'crash',
    count: options.messages,
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
    extra: [`commit_every = ${options.commitEvery}`],
  });
  const random = rng(options.seed);
  let midDrain = 0;
  for (let round = 0; round < options.rounds; round++) {
    const worker = spawnWorker();
    await worker.waitForOutput(/worker \S+ started/);
    // Stop it once it ran a seeded random share of what is left for this
    // round, so every stop lands while the worker is draining.
    const before = readRecords(records).length;
    const left = options.messages - tally(readRecords(records)).distinct;
    const target =
      before + between(random, 1, Math.max(1, Math.floor(left / (options.rounds + 1))));
    await until('the worker to be draining', () => readRecords(records).length >= target);
    if (tally(readRecords(records)).distinct < options.messages) midDrain += 1;
    const exit = await worker.stop(options.signal);
    if (options.signal === 'SIGKILL') expect(exit.signal).toBe('SIGKILL');
    else expect(exit.code, worker.output).toBe(0);
  }
  const last = spawnWorker();
  // Up before it is stopped: a signal during Node's own start-up kills any program.
  await last.waitForOutput(/worker \S+ started/);
  await until(
    'the last worker to finish the queue',
    () => tally(readRecords(records)).distinct >= options.messages,
    scale(60_000, 300_000),
  );
  expect((await last.stop('SIGTERM')).code).toBe(0);
  const runs = readRecords(records);
  const ran = new Set(runs.map((r) => r.id));
  expect(
    posted.filter((id) => !ran.has(id)),
    'messages never processed',
  ).toEqual([]);
  expect(ran.size).toBe(options.messages);
  expectPostedOrder(runs);
  return { ...tally(runs), midDrain };
}

/** Within a partition, first runs follow the posted order: nothing overtaken. */
function expectPostedOrder(runs: readonly JobRecord[]): void {
  for (let p = 1; p <= PARTITIONS; p++) {
    const seen = new Set<string>();
    const firsts = runs.filter((r) => r.partition === p && !seen.has(r.id) && seen.add(r.id));
    const bodies = firsts.map((r) => Number(r.body));
    expect(bodies).toEqual([...bodies].sort((a, b) => a - b));
  }
}

describe.each([0, 1])('commit_every = %i', (commitEvery) => {
  const messages = commitEvery ? scale(1_000, 5_000) : scale(2_000, 10_000);
  const rounds = scale(3, 20);
  test(`SIGKILLed workers (${rounds} rounds, ${messages} messages) skip nothing and repeat at most the uncommitted tail`, async () => {
    const { duplicates, midDrain } = await drainWithStops({
      messages,
      rounds,
      signal: 'SIGKILL',
      commitEvery,
      seed: SEED + commitEvery,
    });
    // Per kill and partition, at most the batch (or commit_every messages)
    // whose commit was on its way and the one in hand: the next job does not
    // wait for a commit.
    const bound = rounds * 2 * (commitEvery || BATCH) * PARTITIONS;
    expect(duplicates).toBeLessThanOrEqual(bound);
    // Every kill landed while the worker was draining, not before or after.
    expect(midDrain).toBe(rounds);
    console.log(
      `[worker-crash commit_every=${commitEvery}] seed ${SEED + commitEvery}: ${rounds} SIGKILLs ` +
        `(${midDrain} mid-drain), ${messages} messages, ${duplicates} repeats (bound ${bound})`,
    );
  });
});

test('workers stopped with SIGTERM at random moments skip nothing and repeat nothing', async () => {
  const messages = scale(1_000, 5_000);
  const rounds = scale(3, 10);
  const { duplicates, midDrain } = await drainWithStops({
    messages,
    rounds,
    signal: 'SIGTERM',
    commitEvery: 0,
    seed: SEED + 2,
  });
  expect(duplicates).toBe(0);
  expect(midDrain).toBe(rounds);
  console.log(
    `[worker-crash SIGTERM] ${rounds} stops (${midDrain} mid-drain), ${messages} messages, ${duplicates} repeats`,
  );
});
