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
 *
 * Two waits: `sleep` is a wait for time alone (a back-off, a cadence: the
 * caller does nothing else meanwhile); `timer` is a deadline raced against
 * work going on (a job's timeout, a stop's grace), cancelled when the work
 * wins. A test clock may jump time forward on a sleep, never on a timer.
 */
export interface Clock {
  /** Epoch milliseconds (wall time: may jump either way). */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes back, ignores wall-clock steps. */
  monotonic(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fire` once `ms` passed on `monotonic()`; the function returned cancels it. */
  timer(ms: number, fire: () => void): () => void;
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
  timer(ms, fire) {
    // Not unref'd: a deadline may be the one thing left that ends a wait (a
    // job awaiting a promise nothing settles); unref'd, the process would
    // exit in the middle of the stop instead of giving up on the job.
    const timer = setTimeout(fire, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

interface Pending {
  until: number;
  fire: () => void;
}

/**
 * A clock that only moves when told: sleeps resolve and timers fire once
 * `advance` has moved time past their deadline (a sleep also on its
 * signal's abort). For tests of TTLs, back-off and timeouts without real
 * waiting. `advance` moves both readings; `set` steps only the wall time, as
 * a wall-clock step does.
 */
export class ManualClock implements Clock {
  #now: number;
  #monotonic = 0;
  readonly #sleepers = new Set<Pending>();
  readonly #timers = new Set<Pending>();

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
        fire: () => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.fire);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.fire, { once: true });
    });
  }

  timer(ms: number, fire: () => void): () => void {
    const timer = {
      until: this.#monotonic + Math.max(0, ms),
      fire: () => {
        this.#timers.delete(timer);
        fire();
      },
    };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** Moves time forward and wakes every sleeper and fires every timer whose deadline passed, earliest first. */
  advance(ms: number): void {
    this.#now += ms;
    this.#monotonic += Math.max(0, ms);
    const due = [...this.#sleepers, ...this.#timers].filter((p) => p.until <= this.#monotonic);
    for (const pending of due.sort((a, b) => a.until - b.until)) {
      // One fired earlier in this advance may have cancelled it.
      if (this.#sleepers.has(pending) || this.#timers.has(pending)) pending.fire();
    }
  }

  /**
   * Steps the wall time (it may go backwards, as a wall clock can). Sleeps,
   * timers and monotonic() do not move: a step is not time passing.
   */
  set(epochMs: number): void {
    this.#now = epochMs;
  }

  /** How many sleeps are pending: lets a test await that the code under test is waiting. */
  get sleeping(): number {
    return this.#sleepers.size;
  }

  /**
   * The milliseconds left of each pending timer, soonest first: lets a test
   * await that a deadline is set (say, a stop's `shutdown_timeout`) before
   * moving time up to it.
   */
  get timers(): number[] {
    return [...this.#timers].map((t) => t.until - this.#monotonic).sort((a, b) => a - b);
  }
}
