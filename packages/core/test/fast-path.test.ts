/**
 * The synchronous fast path of the loop: a job that returns without a
 * promise settles its call at once (no promise per message in a drain of
 * synchronous jobs), and a free job slot is taken without waiting, never
 * ahead of a partition already waiting for one.
 */
import { systemClock } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/hooks.js';
import { JobRunner } from '../src/job-runner.js';
import type { Metrics } from '../src/metrics.js';
import { PartitionView, startingFacts } from '../src/partition-state.js';
import type { QueueyClient } from '../src/queuey-types.js';
import { Semaphore } from '../src/semaphore.js';
import { quietLogger } from './helpers.js';

function countingMetrics() {
  const counts: Record<string, number> = {};
  const metrics: Metrics = {
    increment: (name) => {
      counts[name] = (counts[name] ?? 0) + 1;
    },
    gauge: () => {},
    timing: (name) => {
      counts[name] = (counts[name] ?? 0) + 1;
    },
  } as Metrics;
  return { metrics, counts };
}

function runner(job: (message: Message) => unknown, failures: Message[] = []) {
  const { metrics, counts } = countingMetrics();
  const jobs = new JobRunner<object, string>({
    job,
    jobFailure: (message) => {
      failures.push(message);
    },
    queuey: {} as QueueyClient,
    metrics,
    logger: quietLogger,
    clock: systemClock,
    jobTimeout: 0,
    ...{ retries: 0, retryDelay: 1, retryMaxDelay: 60, worker: 'test' },
    signal: new AbortController().signal,
    abortGrace: 1,
    stop: () => {},
  });
  return { jobs, counts };
}

const message = (id: string): Message => ({
  message_id: id.padStart(32, '0'),
  body: 'x',
  partition: 1,
  timestamp: '1700000000.000000',
});

const scope = () => ({
  abortJobs: new AbortController().signal,
  abandon: new AbortController().signal,
  stuck: () => {},
});

describe('the synchronous fast path', () => {
  it('settles a synchronous job at once, an asynchronous one through a promise, both counted', async () => {
    const ran: string[] = [];
    const { jobs, counts } = runner((m) => {
      ran.push(m.message_id);
    });
    const state = new PartitionView('q-1', startingFacts());
    const outcome = jobs.run(message('1'), {}, state, scope());
    expect(outcome).toBe('done');
    expect(ran).toHaveLength(1);

    const slow = runner(async (m) => {
      await Promise.resolve();
      ran.push(m.message_id);
    });
    const later = slow.jobs.run(message('2'), {}, state, scope());
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toBe('done');
    expect(ran).toHaveLength(2);
    for (const c of [counts, slow.counts]) {
      expect(c['worker.messages_processed']).toBe(1);
      expect(c['worker.job_time']).toBe(1);
    }
  });

  it('hands a synchronous throw to job_failure, which may be asynchronous', async () => {
    const failures: Message[] = [];
    const { jobs, counts } = runner(() => {
      throw new Error('no');
    }, failures);
    const outcome = jobs.run(message('3'), {}, new PartitionView('q-1', startingFacts()), scope());
    await expect(Promise.resolve(outcome)).resolves.toBe('done');
    expect(failures.map((m) => m.message_id)).toEqual([message('3').message_id]);
    expect(counts['worker.messages_failed']).toBe(1);
  });

  it('takes a free slot without waiting, and never ahead of a waiter', async () => {
    const slots = new Semaphore(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const waiting = slots.acquire(new AbortController().signal);
    slots.release();
    // The released slot went to the waiter, not to the next tryAcquire.
    expect(slots.tryAcquire()).toBe(false);
    await expect(waiting).resolves.toBe(true);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
  });
});
