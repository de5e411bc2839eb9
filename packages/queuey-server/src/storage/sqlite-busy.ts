/**
 * Waiting for another process's write lock without blocking the event loop.
 * better-sqlite3 is synchronous: SQLite's own busy handler would sleep in the
 * thread for the whole busy timeout. So each statement blocks at most
 * BLOCKING_BUSY_MS (sqlite-schema.ts), and longer waits happen here, on timers.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { backoff } from '@qdo/common';

/** The pauses between tries: from 1 ms, doubling up to 50 ms, jittered so processes do not retry in step. */
const BUSY_BACKOFF = { base: 1, max: 50, jitter: 0.5 } as const;

/** Runs `work` now; on SQLITE_BUSY tries again, backing off, until `timeoutMs` passed. */
export async function retryWhileBusy<T>(work: () => T, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || performance.now() >= deadline) throw error;
    }
    await delay(backoff({ attempt, ...BUSY_BACKOFF }));
  }
}
