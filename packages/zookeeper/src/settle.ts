import type { ZkClock } from './options.js';

/**
 * Holds a value back until it has stayed unchanged for `wait` ms: the
 * party's membership is applied only once workers stop joining and leaving,
 * so a rolling restart does not move partitions back and forth.
 */
export class Settler<T> {
  #pending: AbortController | undefined;
  readonly #clock: ZkClock;
  readonly #wait: number;
  readonly #apply: (value: T) => void;

  constructor(options: { clock: ZkClock; wait: number; apply: (value: T) => void }) {
    this.#clock = options.clock;
    this.#wait = options.wait;
    this.#apply = options.apply;
  }

  /** A new value: (re)start the wait; the value is applied if nothing follows it in time. */
  offer(value: T): void {
    this.cancel();
    const pending = new AbortController();
    this.#pending = pending;
    this.#clock.sleep(this.#wait, pending.signal).then(
      () => {
        if (pending.signal.aborted || this.#pending !== pending) return;
        this.#pending = undefined;
        this.#apply(value);
      },
      () => undefined,
    );
  }

  get waiting(): boolean {
    return this.#pending !== undefined;
  }

  cancel(): void {
    this.#pending?.abort();
    this.#pending = undefined;
  }
}
