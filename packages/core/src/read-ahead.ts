import type { Batch } from './batch.js';
import type { ByteBudget, Fetcher } from './fetch.js';
import type { PartitionState } from './partition-state.js';

/**
 * A partition's reads: the next batch comes from the read-ahead (or the
 * long-poll's hand-over) when it follows the position, else from a read.
 * Pipelining is bounded: one batch ahead per partition, and the worker's
 * byte budget for batches read ahead and not yet taken.
 */
export class ReadAhead {
  #held = 0;

  constructor(
    private readonly state: PartitionState,
    private readonly o: {
      fetcher: Fetcher;
      budget: ByteBudget;
      batchSize: number;
      signal: AbortSignal;
    },
  ) {}

  async next(): Promise<Batch> {
    const taken = this.state.takePrefetch();
    if (taken) {
      try {
        const batch = await taken.batch;
        this.#release();
        if (taken.fresh) return batch;
      } catch {
        this.#release(); // a failed read-ahead is simply read again
      }
    }
    return this.#read(this.state.position);
  }

  /** Whether a short batch leaves the partition to the idle long-poll (see Fetcher.exact). */
  get exact(): boolean {
    return this.o.fetcher.exact === true;
  }

  /** Starts reading the batch after `after` while the current one runs. */
  ahead(after: string): void {
    if (!this.o.budget.allows) return;
    const batch = this.#read(after).then((messages) => {
      this.#held = this.o.budget.take(messages);
      return messages;
    });
    batch.catch(() => {});
    this.state.prefetch(after, batch);
  }

  /** The loop ended: what was read ahead goes back to the budget. */
  drop(): void {
    this.state.takePrefetch()?.batch.then(
      () => this.#release(),
      () => {},
    );
  }

  #read(after: string): Promise<Batch> {
    const { fetcher, batchSize: limit, signal } = this.o;
    return fetcher.read(this.state, after, { limit, signal });
  }

  #release(): void {
    this.o.budget.give(this.#held);
    this.#held = 0;
  }
}
