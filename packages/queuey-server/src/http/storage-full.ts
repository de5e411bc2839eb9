/**
 * A full disk, as one episode: the first write that fails for want of space
 * starts it (logged once, shown on the heartbeat), and the next write that
 * succeeds ends it (logged once). Meanwhile writes answer 507 and reads go
 * on. Nothing polls the disk: the episode clears with the first write after
 * space returned.
 */

/** Where the episode is told; the server passes its logger. */
export interface FullLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

export class StorageFull {
  #since: number | undefined;

  constructor(
    private readonly log: FullLog,
    private readonly now: () => number,
  ) {}

  /** Epoch ms the episode began, while the storage is full. */
  get since(): number | undefined {
    return this.#since;
  }

  /** A write failed for want of space. */
  failed(error: unknown): void {
    if (this.#since !== undefined) return;
    this.#since = this.now();
    this.log.warn('storage full: writes answer 507 until space is freed; reads go on', {
      reason: error instanceof Error ? error.message : String(error),
    });
  }

  /** A write succeeded: space is back. */
  wrote(): void {
    if (this.#since === undefined) return;
    const seconds = Math.round((this.now() - this.#since) / 1000);
    this.#since = undefined;
    this.log.info('storage has space again: writes are taken', { full_for_seconds: seconds });
  }

  /** What the heartbeat adds to its body while full. */
  heartbeat(): Record<string, string> {
    if (this.#since === undefined) return {};
    return { storage: 'full', full_since: new Date(this.#since).toISOString() };
  }
}
