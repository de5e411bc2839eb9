/**
 * A queue of numbered messages drained by qdo-worker children that a test
 * stops at will (batch-crash, worker-crash): the posting, the worker
 * factory, and the drain's end with the checks every crash test makes.
 */
import type { NodeProcess } from '@qdo/test-utils';
import { expect } from 'vitest';
import { scale, until } from './env.js';
import { type Fixture, postNumbered } from './fixture.js';
import { fixtureWorkers, type JobRecord, readRecords, tally, type WorkerConfig } from './worker.js';

export interface CrashDrain {
  records: string;
  /** Distinct messages run so far. */
  distinct(): number;
  /** Starts one more worker; resolves once it is up (a signal during Node's own start-up kills any program). */
  start(): Promise<NodeProcess>;
  /**
   * Starts a last worker, waits until every message ran, stops it with
   * SIGTERM (exit 0), and checks: nothing skipped, nothing unknown run, and
   * in each partition the first runs follow the posted order (a repeat
   * replays the uncommitted tail; it never overtakes). Returns every run.
   */
  finish(): Promise<JobRecord[]>;
}

/** Creates `queue` on the fixture's server and posts `messages` numbered messages to it. */
export async function crashDrain(
  fx: Fixture,
  options: {
    queue: string;
    messages: number;
    partitions: number;
    /** The worker's file, less what the drain decides (one job slot per partition). */
    worker: Omit<WorkerConfig, 'dir' | 'connection' | 'appKey' | 'records' | 'concurrency'>;
  },
): Promise<CrashDrain> {
  const { queue, messages, partitions } = options;
  await fx.client.createQueue({ queueName: queue, partitions });
  const posted = await postNumbered({ client: fx.client, queue, count: messages, partitions });
  const { records, spawn } = fixtureWorkers(fx, { ...options.worker, concurrency: partitions });
  const distinct = () => tally(readRecords(records)).distinct;
  const start = async () => {
    const worker = spawn();
    await worker.waitForOutput(/worker \S+ started/);
    return worker;
  };
  return {
    records,
    distinct,
    start,
    async finish() {
      const last = await start();
      await until(
        'the last worker to finish the queue',
        () => distinct() >= messages,
        scale(60_000, 300_000),
      );
      expect((await last.stop('SIGTERM')).code, last.output).toBe(0);
      const runs = readRecords(records);
      const ran = new Set(runs.map((r) => r.id));
      expect(
        posted.filter((id) => !ran.has(id)),
        'messages never processed',
      ).toEqual([]);
      expect(ran.size).toBe(messages);
      for (let p = 1; p <= partitions; p++) {
        const seen = new Set<string>();
        const firsts = runs.filter((r) => r.partition === p && !seen.has(r.id) && seen.add(r.id));
        const bodies = firsts.map((r) => Number(r.body));
        expect(bodies).toEqual([...bodies].sort((a, b) => a - b));
      }
      return runs;
    },
  };
}
