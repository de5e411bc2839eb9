/**
 * Time as every qdo package sees it; tests pass a controllable one. The one
 * contract for all of them: `sleep` resolves after `ms`, or at once when
 * `signal` aborts, and never rejects, so a caller that must stop checks
 * `signal.aborted` after it.
 *
 * Two readings: `now()` is wall time, for ids and timestamps a person or
 * another machine reads; `monotonic()` is for every deadline, timeout and
 * elapsed time, because the wall clock steps (NTP, an operator, a VM
 * resumed) and a deadline measured on it moves with the step.
 */
export interface Clock {
  /** Epoch milliseconds (wall time: may jump either way). */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes back, ignores wall-clock steps. */
  monotonic(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
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
 * back-off and timeouts without real waiting. `advance` moves both readings;
 * `set` steps only the wall time, as a wall-clock step does.
 */
export class ManualClock implements Clock {
  #now: number;
  #monotonic = 0;
  readonly #sleepers = new Set<{ until: number; resolve: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#monotonic;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper = {
        until: this.#monotonic + ms,
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
    this.#monotonic += Math.max(0, ms);
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.until <= this.#monotonic) sleeper.resolve();
    }
  }

  /**
   * Steps the wall time (it may go backwards, as a wall clock can). Sleeps
   * and monotonic() do not move: a step is not time passing.
   */
  set(epochMs: number): void {
    this.#now = epochMs;
  }

  /** How many sleeps are pending: lets a test await that the code under test is waiting. */
  get sleeping(): number {
    return this.#sleepers.size;
  }
}
