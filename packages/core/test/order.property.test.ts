import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run, until, useQueuey } from './helpers.js';

const q = useQueuey();

/** How a job behaves: runs `ms`, then succeeds or throws; `honours` ends it at its signal's abort. */
const jobArb = fc.record({
  ms: fc.integer({ min: 0, max: 30 }),
  fails: fc.boolean(),
  honours: fc.boolean(),
});

describe('order within a partition (property)', () => {
  it('random job durations and timeouts never overlap two jobs of a partition nor reorder it', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(jobArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 0.01, 0.02),
        fc.integer({ min: 1, max: 3 }),
        async (partitions, concurrency, jobTimeout, batchSize) => {
          const queue = await q.newQueue(partitions.length);
          const plan = new Map<string, (typeof partitions)[number][number]>();
          for (const [i, jobs] of partitions.entries()) {
            const posted = await q.client.postMessages(
              queue,
              jobs.map((_, n) => ({ body: `${i + 1}:${n}`, partition: i + 1 })),
            );
            for (const [n, job] of jobs.entries()) plan.set(posted[n]?.key as string, job);
          }
          const running = new Map<number, number>();
          const handled: string[] = [];
          const violations: string[] = [];
          const w = q.worker({
            settings: { concurrency, jobTimeout, batchSize, abortGrace: 1 },
            async job(m, _c, { signal }) {
              const inFlight = (running.get(m.partition) ?? 0) + 1;
              running.set(m.partition, inFlight);
              if (inFlight > 1) violations.push(`overlap in ${m.partition} at ${m.body}`);
              const job = plan.get(m.message_id);
              try {
                await new Promise<void>((resolve) => {
                  const timer = setTimeout(resolve, job?.ms ?? 0);
                  if (job?.honours) {
                    signal.addEventListener('abort', () => {
                      clearTimeout(timer);
                      resolve();
                    });
                  }
                });
                if (job?.fails) throw new Error('job failed');
              } finally {
                running.set(m.partition, (running.get(m.partition) ?? 1) - 1);
                handled.push(m.body);
              }
            },
            jobFailure(m) {
              if ((running.get(m.partition) ?? 0) > 0) {
                violations.push(`failure of ${m.body} while a job ran`);
              }
            },
          });
          const done = run(w);
          const total = plan.size;
          await until(() => handled.length >= total, 10_000);
          w.stop();
          await done;
          expect(violations).toEqual([]);
          expect(handled).toHaveLength(total);
          for (const [i, jobs] of partitions.entries()) {
            const mine = handled.filter((b) => b.startsWith(`${i + 1}:`));
            expect(mine).toEqual(jobs.map((_, n) => `${i + 1}:${n}`));
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
