import { deferred } from './async.js';
import type { ZkSession } from './session.js';

/**
 * The lock nodes one session holds, one per partition. A partition is
 * `active` (the worker may process it) only while we hold its lock; a held
 * but paused one is on its way out, or waits for the connection to return.
 */
export class LockTable {
  readonly #session: ZkSession;
  readonly #root: string;
  readonly #owner: string;
  readonly #onFree: () => void;
  readonly #onActivate: (() => void) | undefined;
  readonly #held = new Set<string>();
  readonly #active = new Set<string>();
  /** owned() hands out one array per change, so callers can cache by identity. */
  #owned: string[] | undefined;

  constructor(options: {
    session: ZkSession;
    root: string;
    owner: string;
    onFree: () => void;
    /** A partition became ours to process. */
    onActivate?: () => void;
  }) {
    this.#session = options.session;
    this.#root = options.root;
    this.#owner = options.owner;
    this.#onFree = options.onFree;
    this.#onActivate = options.onActivate;
  }

  owned(): readonly string[] {
    this.#owned ??= [...this.#active].sort();
    return this.#owned;
  }

  /** Partitions whose lock node we hold (active or paused). */
  held(): string[] {
    return [...this.#held].sort();
  }

  /** Resolves once someone holds the lock of each partition again, or `signal` aborts. */
  async retaken(partitions: readonly string[], signal: AbortSignal): Promise<void> {
    await Promise.all(partitions.map((p) => this.#retaken(this.#path(p), signal)));
  }

  async #retaken(path: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const changed = deferred();
      const stop = () => changed.resolve();
      signal.addEventListener('abort', stop, { once: true });
      try {
        if (await this.#session.exists(path, stop)) return;
        await changed.promise;
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }
  }

  /** Stops processing of the active partitions that match; returns them. */
  pause(which: (partition: string) => boolean): string[] {
    const paused = [...this.#active].filter(which).sort();
    for (const p of paused) this.#active.delete(p);
    if (paused.length > 0) this.#owned = undefined;
    return paused;
  }

  pauseAll(): string[] {
    return this.pause(() => true);
  }

  /** Deletes the lock nodes of paused partitions that are not in `keep`. */
  async releaseExcept(keep: ReadonlySet<string>): Promise<void> {
    const drop = [...this.#held].filter((p) => !keep.has(p) && !this.#active.has(p));
    await Promise.all(
      drop.map(async (p) => {
        await this.#session.remove(this.#path(p));
        this.#held.delete(p);
      }),
    );
  }

  async releaseAll(): Promise<void> {
    this.pauseAll();
    await this.releaseExcept(new Set());
  }

  /**
   * Takes the lock of each partition, activating those we get. A lock that
   * someone else holds is watched; `onFree` fires when it goes. Returns true
   * when a lock vanished under us and the caller should simply try again.
   */
  async acquire(partitions: readonly string[]): Promise<boolean> {
    const again = await Promise.all(partitions.map((p) => this.#acquireOne(p)));
    return again.some(Boolean);
  }

  async #acquireOne(partition: string): Promise<boolean> {
    if (this.#held.has(partition)) {
      this.#activate(partition);
      return false;
    }
    const path = this.#path(partition);
    if (!(await this.#session.create(path, this.#owner, true))) {
      const stat = await this.#session.exists(path, this.#watcher);
      if (!stat) return true;
      // A create whose reply was lost to a reconnect leaves a node that is ours.
      if (!stat.ephemeralOwner.equals(this.#session.sessionId())) return false;
    }
    this.#held.add(partition);
    this.#activate(partition);
    return false;
  }

  #activate(partition: string): void {
    if (this.#active.has(partition)) return;
    this.#active.add(partition);
    this.#owned = undefined;
    this.#onActivate?.();
  }

  readonly #watcher = () => this.#onFree();

  #path(partition: string): string {
    return `${this.#root}/${encodeURIComponent(partition)}`;
  }
}
