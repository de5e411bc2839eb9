/**
 * A partition's writes of its status message, one at a time and in order,
 * each on the ETag of the one before (commits and the stuck mark). A write
 * that fails is met by its own awaiter; the next one goes ahead.
 */
export class WriteChain {
  /** The last write added, until it ended. */
  #tail: Promise<void> | undefined;
  /** A commit waiting behind another write: it writes the newest position when it starts. */
  #queued: { promise?: Promise<void> } | undefined;

  /** The last write added, while one is on its way. */
  get tail(): Promise<void> | undefined {
    return this.#tail;
  }

  /** Runs `step` after every write added before it. */
  add(step: () => Promise<void>): Promise<void> {
    return this.#add(step, false);
  }

  /**
   * A commit: a commit already waiting to start stands for this one too,
   * since it reads the position only when it starts.
   */
  commit(step: () => Promise<void>): Promise<void> {
    return this.#queued?.promise ?? this.#add(step, true);
  }

  #add(step: () => Promise<void>, commit: boolean): Promise<void> {
    const previous = this.#tail;
    const entry: { promise?: Promise<void> } = {};
    const next = (async () => {
      await previous?.catch(() => {}); // its own awaiter sees its failure
      if (this.#queued === entry) this.#queued = undefined;
      await step();
    })();
    const tracked = next.finally(() => {
      if (this.#tail === tracked) this.#tail = undefined;
    });
    tracked.catch(() => {}); // unobserved when nobody awaits it
    entry.promise = tracked;
    this.#tail = tracked;
    if (commit && previous) this.#queued = entry;
    return tracked;
  }
}
