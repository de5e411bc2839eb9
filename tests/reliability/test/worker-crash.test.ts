// Workers stopped at seeded random moments while draining a queue of 8
// partitions, restarted each time. SIGKILL: nothing is skipped, and the
// repeats are bounded by what the killed workers had not yet committed.
// SIGTERM: nothing is skipped and nothing runs twice.
import { afterEach, describe, expect, test } from 'vitest';
import { crashDrain } from './support/crash.js';
import { between, LONG, rng, SEED, scale, until } from './support/env.js';
import { type Fixture, startFixture } from './support/fixture.js';
import { readRecords, tally } from './support/worker.js';

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
  const drain = await crashDrain(fx, {
    queue: 'crash',
    messages: options.messages,
    partitions: PARTITIONS,
    worker: {
      batchSize: BATCH,
      jobMs: LONG ? 3 : 2,
      extra: [`commit_every = ${options.commitEvery}`],
    },
  });
  const random = rng(options.seed);
  let midDrain = 0;
  for (let round = 0; round < options.rounds; round++) {
    const worker = await drain.start();
    // Stop it once it ran a seeded random share of what is left for this
    // round, so every stop lands while the worker is draining.
    const before = readRecords(drain.records).length;
    const left = options.messages - drain.distinct();
    const target =
      before + between(random, 1, Math.max(1, Math.floor(left / (options.rounds + 1))));
    await until('the worker to be draining', () => readRecords(drain.records).length >= target);
    if (drain.distinct() < options.messages) midDrain += 1;
    const exit = await worker.stop(options.signal);
    if (options.signal === 'SIGKILL') expect(exit.signal).toBe('SIGKILL');
    else expect(exit.code, worker.output).toBe(0);
  }
  return { ...tally(await drain.finish()), midDrain };
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
