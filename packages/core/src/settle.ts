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

/** Resolves after `ms` of real time (jobs run in real time, whatever the worker's clock). */
export function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export function settled(running: Promise<unknown>): Promise<Settled> {
  return running.then(
    (value: unknown) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

/** Whether `work` settled within `ms` of real time. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = delay(ms);
  const done = await Promise.race([work.then(() => true), timer.promise.then(() => false)]);
  timer.cancel();
  return done;
}
