/**
 * Waiting for another process's write lock without blocking the event loop.
 * better-sqlite3 is synchronous: SQLite's own busy handler would sleep in the
 * thread for the whole busy timeout. So each statement blocks at most
 * BLOCKING_BUSY_MS (sqlite-schema.ts), and longer waits happen here, on timers.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Runs `work` now; on SQLITE_BUSY tries again (backing off to 50 ms) until `timeoutMs` passed. */
export async function retryWhileBusy<T>(work: () => T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() >= deadline) throw error;
    }
    await delay(Math.min(50, 2 ** attempt));
  }
}
