import { ManualClock, systemClock } from '@qdo/common';
import { QueueyClient } from '@qdo/queuey-client';
import type { RunningServer } from '@qdo/queuey-server';
import { startTempQueuey, type TempQueuey } from '@qdo/test-server';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeEach, expect } from 'vitest';
import { createLogger, Worker, type WorkerOptions } from '../src/index.js';

export const APP_KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
let counter = 0;

/** A queue name no other test uses. */
export function uniqueName(prefix = 'q'): string {
  counter += 1;
  return `${prefix}${process.pid}x${Date.now().toString(36)}x${counter}`;
}

export const quietLogger = createLogger({ type: 'hidden' });

export type Queuey = TempQueuey;

/** Our real server on an ephemeral port, over a SQLite file in a temp dir. */
export function startQueuey(): Promise<Queuey> {
  return startTempQueuey({ appKey: APP_KEY, prefix: 'qdo-core-' });
}

/**
 * A fresh server per test (started in beforeEach, closed in afterEach), with
 * the helpers most tests build on it.
 */
export function useQueuey() {
  let current: Queuey | undefined;
  beforeEach(async () => {
    current = await startQueuey();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const q = (): Queuey => {
    if (!current) throw new Error('useQueuey(): no server outside a test');
    return current;
  };
  return {
    get client(): QueueyClient {
      return q().client;
    },
    get server(): RunningServer {
      return q().server;
    },
    /** A worker on this server: quiet, and quick to poll again when idle. */
    worker<C = unknown>(options: Partial<WorkerOptions<C>> = {}): Worker<C> {
      return new Worker<C>({
        queuey: q().client,
        logger: quietLogger,
        ...options,
        settings: { waitInterval: 0.02, ...options.settings },
      });
    },
    /** A new queue of its own for this test. */
    async newQueue(partitions = 1): Promise<string> {
      const queueName = uniqueName();
      await q().client.createQueue({ queueName, partitions });
      return queueName;
    },
    /** A new one-partition queue holding `bodies`, in order: its name and their ids. */
    async queueWith(bodies: string[]): Promise<{ queue: string; ids: string[] }> {
      const queue = uniqueName();
      await q().client.createQueue({ queueName: queue });
      const posted = await q().client.postMessages(
        queue,
        bodies.map((body) => ({ body, partition: 1 })),
      );
      return { queue, ids: posted.map((p) => p.key) };
    },
  };
}

export function newClient(server: RunningServer): QueueyClient {
  return new QueueyClient({ connection: `${server.url}/v1/queuey/`, appKey: APP_KEY });
}

const running = new Set<{
  worker: Worker<never, never>;
  done: Promise<unknown>;
  settled: boolean;
}>();

/** Starts work(); a worker still running when its test ends fails that test. */
export function run<C, B>(worker: Worker<C, B>): Promise<void> {
  const entry = {
    worker: worker as unknown as Worker<never, never>,
    done: Promise.resolve(),
    settled: false,
  };
  const done = worker.work().finally(() => {
    entry.settled = true;
  });
  entry.done = done.catch(() => {});
  running.add(entry);
  return done;
}

const manualClocks = new Set<ManualClock>();

/**
 * A ManualClock for a worker under test, at the current wall time. Should
 * the test fail with the worker still running, the teardown moves it on so
 * the stop's deadlines pass and the failure stays this test's alone.
 */
export function manualClock(): ManualClock {
  const clock = new ManualClock(Date.now());
  manualClocks.add(clock);
  return clock;
}

afterEach(async () => {
  const left = [...running].filter((e) => !e.settled);
  for (const e of left) e.worker.stop();
  const all = Promise.all([...running].map((e) => e.done));
  let stopped = left.length === 0;
  void all.then(() => {
    stopped = true;
  });
  while (!stopped) {
    for (const clock of manualClocks) clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
  }
  await all;
  running.clear();
  manualClocks.clear();
  expect(left.length, 'a worker was left running').toBe(0);
});

/** Polls `check` until it returns true; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  await waitFor(check, ms);
}

/**
 * A clock that never really sleeps: sleep() records the delay and advances
 * time. Its timers (job timeouts, a stop's grace) run in real time, as the
 * jobs they race do: jumping time there would time every job out at once.
 */
export function fakeClock(start = Date.now()) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    monotonic: () => now,
    async sleep(ms: number, signal?: AbortSignal) {
      sleeps.push(ms);
      if (signal?.aborted) return;
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
    timer: systemClock.timer,
  };
}

/** A logger that keeps what it is told, for asserting on it. */
export function recordingLogger() {
  const lines: { level: string; text: string }[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({
        level,
        text: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '),
      });
    };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** The status bodies in qdo_status, by partition name. */
export async function statuses(client: import('@qdo/queuey-client').QueueyClient) {
  const found: Record<string, { processed: string; last_worker: string; sp: number; id: string }> =
    {};
  for (let sp = 1; sp <= 7; sp++) {
    for await (const m of client.iterateMessages('qdo_status', { partition: sp })) {
      const body = JSON.parse(m.body);
      found[body.partition] = {
        processed: body.processed,
        last_worker: body.last_worker,
        sp,
        id: m.message_id,
      };
    }
  }
  return found;
}
