/**
 * Counts jobs in flight across partitions (`concurrency`). Waiters are served
 * first come, first served, so no partition starves another.
 */
export class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes a free slot now, if there is one (waiters leave none free: they go first). */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free -= 1;
    return true;
  }

  /** Resolves true with a slot, or false when `signal` aborted first (no slot taken). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', abort);
        resolve(true);
      };
      const abort = () => {
        const at = this.#waiters.indexOf(grant);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(false);
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free += 1;
  }
}
