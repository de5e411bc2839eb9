/**
 * Time as every qdo package sees it; tests pass a controllable one. The one
 * contract for all of them: `sleep` resolves after `ms`, or at once when
 * `signal` aborts, and never rejects, so a caller that must stop checks
 * `signal.aborted` after it.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

/**
 * A clock that only moves when told: `sleep` resolves once `advance` has
 * moved time past its deadline (or its signal aborts). For tests of TTLs,
 * back-off and timeouts without real waiting.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<{ until: number; resolve: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper = {
        until: this.#now + ms,
        resolve: () => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.resolve);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.resolve, { once: true });
    });
  }

  /** Moves time forward and wakes every sleeper whose deadline passed. */
  advance(ms: number): void {
    this.#now += ms;
    for (const sleeper of [...this.#sleepers]) if (sleeper.until <= this.#now) sleeper.resolve();
  }

  /** Sets the time (it may go backwards, as a wall clock can); wakes sleepers now due. */
  set(epochMs: number): void {
    this.#now = epochMs;
    this.advance(0);
  }

  /** How many sleeps are pending: lets a test await that the code under test is waiting. */
  get sleeping(): number {
    return this.#sleepers.size;
  }
}
