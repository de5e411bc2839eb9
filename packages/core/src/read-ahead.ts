import type { Batch } from './batch.js';
import type { ByteBudget, Fetcher } from './fetch.js';
import type { OutageTracker } from './outage.js';

interface Ahead {
  /** The position the batch was read after. */
  after: string;
  batch: Promise<Batch>;
  /** Its messages, once it arrived (for the lag gauge). */
  size: number;
  /** Its bytes, held in the budget until it is taken or dropped. */
  bytes: number;
}

/**
 * A partition's reads, as its loop asks for them: the next batch is the one
 * read ahead when that one follows the position, else a fresh read. The loop
 * alone holds it. Pipelining is bounded: one batch ahead per partition, and
 * the worker's byte budget for batches read ahead and not yet taken.
 */
export class ReadAhead {
  #ahead: Ahead | undefined;

  constructor(
    private readonly target: { queue: string; partition: number },
    private readonly o: {
      fetcher: Fetcher;
      budget: ByteBudget;
      outage: OutageTracker;
      batchSize: number;
      signal: AbortSignal;
    },
  ) {}

  /** The batch after `position`. */
  async next(position: string): Promise<Batch> {
    const ahead = this.#take();
    if (ahead) {
      try {
        const batch = await ahead.batch;
        this.#release(ahead);
        if (ahead.after === position) return batch;
      } catch {
        this.#release(ahead); // a failed read-ahead is simply read again
      }
    }
    return this.#read(position);
  }

  /** Whether a short batch leaves the partition to the idle long-poll (see Fetcher.exact). */
  get exact(): boolean {
    return this.o.fetcher.exact === true;
  }

  /** Messages read ahead and arrived, not yet taken (the lag gauge counts them). */
  get size(): number {
    return this.#ahead?.size ?? 0;
  }

  /** Starts reading the batch after `after` while the current one runs. */
  ahead(after: string): void {
    if (!this.o.budget.allows) return;
    const ahead: Ahead = { after, batch: this.#read(after), size: 0, bytes: 0 };
    ahead.batch.then(
      (messages) => {
        ahead.size = messages.length;
        ahead.bytes = this.o.budget.take(messages);
      },
      () => {},
    );
    this.#ahead = ahead;
  }

  /** The loop paused or ended: what was read ahead goes back to the budget. */
  drop(): void {
    const ahead = this.#take();
    ahead?.batch.then(
      () => this.#release(ahead),
      () => {},
    );
  }

  #take(): Ahead | undefined {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    return ahead;
  }

  /** A read; its answer is news of the server (an outage it began in is over). */
  #read(after: string): Promise<Batch> {
    const { fetcher, batchSize: limit, signal, outage } = this.o;
    return outage.heard(fetcher.read(this.target, after, { limit, signal }));
  }

  #release(ahead: Ahead): void {
    this.o.budget.give(ahead.bytes);
    ahead.bytes = 0;
  }
}
