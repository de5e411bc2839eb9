import type { Clock } from '@qdo/common';

/** What a hook call came to (a batch hook's return value says which of its messages failed). */
export type Settled = { ok: true; value?: unknown } | { ok: false; error: unknown };

/** Resolves when `signal` aborts; `off()` removes the listener when no longer needed. */
export function whenAborted(signal: AbortSignal): { promise: Promise<void>; off(): void } {
  let listener = () => {};
  const promise = new Promise<void>((resolve) => {
    listener = () => resolve();
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', listener, { once: true });
  });
  return { promise, off: () => signal.removeEventListener('abort', listener) };
}

/** Resolves after `ms` on `clock` (a deadline raced against work: its timer); cancel it when the work won. */
export function delay(clock: Clock, ms: number): { promise: Promise<void>; cancel(): void } {
  let cancel = () => {};
  const promise = new Promise<void>((resolve) => {
    cancel = clock.timer(ms, resolve);
  });
  return { promise, cancel };
}

export function settled(running: Promise<unknown>): Promise<Settled> {
  return running.then(
    (value: unknown) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

/** Whether `work` settled within `ms` on `clock`. */
export async function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = delay(clock, ms);
  const done = await Promise.race([work.then(() => true), timer.promise.then(() => false)]);
  timer.cancel();
  return done;
}

/**
 * Waits until `signal` aborts or `ms` passed on `clock`, on its timer: for a
 * wait alongside work going on (a cadence, a wait for other partitions),
 * which a test clock must not answer by jumping time as it may a sleep.
 */
export async function waitTimer(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  const woken = whenAborted(signal);
  await within(clock, woken.promise, ms);
  woken.off();
}
