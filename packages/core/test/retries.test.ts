import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HookOptions, retryDelay, StopWorker } from '../src/index.js';
import { fakeClock, manualClock, run, statuses, until, useQueuey } from './helpers.js';

const q = useQueuey();

describe('retries', () => {
  it('runs a job that fails twice a third time with retries = 2; job_failure never hears of it', async () => {
    const { queue, ids } = await q.queueWith(['flaky', 'next']);
    const clock = fakeClock();
    const attempts: number[] = [];
    const done: string[] = [];
    let failures = 0;
    const w = q.worker({
      clock,
      random: () => 0.5,
      settings: { retries: 2, retryDelay: 1, retryMaxDelay: 60 },
      job(m, _c, { attempt }) {
        if (m.body === 'flaky') attempts.push(attempt);
        if (m.body === 'flaky' && attempt < 3) throw new Error(`fail ${attempt}`);
        done.push(m.body);
      },
      jobFailure() {
        failures += 1;
      },
    });
    const running = run(w);
    await until(() => done.length === 2);
    w.stop();
    await running;
    expect(attempts).toEqual([1, 2, 3]);
    expect(done).toEqual(['flaky', 'next']);
    expect(failures).toBe(0);
    // Full jitter at random 0.5: half of 1 s, then half of 2 s.
    expect(clock.sleeps.filter((ms) => ms === 500 || ms === 1000)).toEqual([500, 1000]);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[1]);
  });

  it('hands the last error to job_failure with the number of runs once retries are used up', async () => {
    const { queue, ids } = await q.queueWith(['bad']);
    const seen: { error: string; attempt: number; worker: string }[] = [];
    const w = q.worker({
      clock: fakeClock(),
      settings: { retries: 2 },
      job(_m, _c, { attempt }) {
        throw new Error(`boom ${attempt}`);
      },
      jobFailure(_m, _c, _q, error, _queuey, options) {
        const { attempt, worker } = options as HookOptions;
        seen.push({ error: (error as Error).message, attempt, worker });
      },
    });
    const running = run(w);
    await until(() => seen.length === 1);
    w.stop();
    await running;
    expect(seen).toEqual([{ error: 'boom 3', attempt: 3, worker: w.name }]);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[0]);
  });

  it('stops at once when a retried job throws StopWorker, leaving the message unprocessed', async () => {
    const { queue } = await q.queueWith(['bad']);
    let failures = 0;
    const w = q.worker({
      clock: fakeClock(),
      settings: { retries: 3 },
      job(_m, _c, { attempt }) {
        if (attempt === 2) throw new StopWorker();
        throw new Error('boom');
      },
      jobFailure() {
        failures += 1;
      },
    });
    await run(w);
    expect(failures).toBe(0);
    expect((await statuses(q.client))[`${queue}-1`]?.processed ?? '').toBe('');
  });

  it('a stop cuts the retry wait short; the message runs again after a restart', async () => {
    const { queue, ids } = await q.queueWith(['bad']);
    const clock = manualClock();
    let runs = 0;
    const w = q.worker({
      clock,
      settings: { retries: 1, retryDelay: 3600, retryMaxDelay: 3600 },
      job() {
        runs += 1;
        throw new Error('boom');
      },
      jobFailure() {
        throw new Error('job_failure must not be reached');
      },
    });
    const running = run(w);
    await until(() => runs === 1 && clock.sleeping > 0);
    w.stop();
    await running;
    // No time passed on the worker's clock, so the hour's wait did not end
    // by itself: the stop ended it.
    expect(clock.monotonic()).toBe(0);
    expect((await statuses(q.client))[`${queue}-1`]?.processed ?? '').toBe('');

    const again: string[] = [];
    const next = q.worker({
      job(m) {
        again.push(m.message_id);
      },
    });
    const rerun = run(next);
    await until(() => again.length === 1);
    next.stop();
    await rerun;
    expect(again).toEqual([ids[0]]);
  });

  it('a partition waiting to retry holds no job slot: other partitions go on (concurrency 1)', async () => {
    const queue = await q.newQueue(2);
    await q.client.postMessages(queue, [
      { body: 'stuck', partition: 1 },
      { body: 'a', partition: 2 },
      { body: 'b', partition: 2 },
    ]);
    const clock = manualClock();
    const done: string[] = [];
    const w = q.worker({
      clock,
      settings: { concurrency: 1, retries: 1, retryDelay: 3600, retryMaxDelay: 3600 },
      job(m) {
        if (m.body === 'stuck') throw new Error('boom');
        done.push(m.body);
      },
    });
    const running = run(w);
    await until(() => done.length === 2);
    w.stop();
    await running;
    expect(done).toEqual(['a', 'b']);
  });

  it('waits retry_delay doubling up to retry_max_delay, times a full jitter', () => {
    const settings = { retryDelay: 1, retryMaxDelay: 5 };
    expect([1, 2, 3, 4, 10].map((n) => retryDelay(n, settings, () => 0.5))).toEqual([
      500, 1000, 2000, 2500, 2500,
    ]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const ms = retryDelay(attempt, settings, () => r);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThan(5000);
        },
      ),
    );
  });
});

describe('retries keep the order of a partition (property)', () => {
  it('however often jobs fail, every run of a message comes before any run of the next', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (partitions, retries, concurrency, batchSize) => {
          const queue = await q.newQueue(partitions.length);
          const failsFor = new Map<string, number>();
          for (const [i, plan] of partitions.entries()) {
            const posted = await q.client.postMessages(
              queue,
              plan.map((_, n) => ({ body: `${i + 1}:${n}`, partition: i + 1 })),
            );
            for (const [n, fails] of plan.entries()) failsFor.set(posted[n]?.key as string, fails);
          }
          const runs: string[] = [];
          const failed: { body: string; attempt: number }[] = [];
          const finished: string[] = [];
          const w = q.worker({
            clock: fakeClock(),
            settings: { retries, concurrency, batchSize },
            job(m, _c, { attempt }) {
              runs.push(m.body);
              if (attempt <= (failsFor.get(m.message_id) ?? 0)) throw new Error('boom');
              finished.push(m.body);
            },
            jobFailure(m, _c, _q, _e, _queuey, options) {
              failed.push({ body: m.body, attempt: (options as HookOptions).attempt });
              finished.push(m.body);
            },
          });
          const done = run(w);
          await until(() => finished.length >= failsFor.size, 10_000);
          w.stop();
          await done;
          for (const [i, plan] of partitions.entries()) {
            const mine = runs.filter((b) => b.startsWith(`${i + 1}:`));
            // Each message's runs in a row, in posted order: retries never reorder.
            const expected = plan.flatMap((fails, n) =>
              Array(Math.min(fails, retries) + 1).fill(`${i + 1}:${n}`),
            );
            expect(mine).toEqual(expected);
          }
          const given = partitions.flatMap((plan, i) =>
            plan.flatMap((fails, n) =>
              fails > retries ? [{ body: `${i + 1}:${n}`, attempt: retries + 1 }] : [],
            ),
          );
          expect(failed).toEqual(expect.arrayContaining(given));
          expect(failed).toHaveLength(given.length);
        },
      ),
      { numRuns: 12 },
    );
  });
});
