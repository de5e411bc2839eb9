import type { Clock } from '@qdo/common';
import { QueueyError } from './errors.js';

/** How long a queue's partition count is trusted before it is asked again (README, "Keyed posts"). */
export const PARTITION_COUNT_TTL_MS = 10_000;

interface Entry {
  count: Promise<number>;
  /** The clock's time at which the count is asked again. */
  until: number;
}

/**
 * Each queue's partition count, from the queue listing with details, kept
 * for a short while so keyed posts do not cost a listing each. A failed ask
 * is not kept.
 */
export class PartitionCounts {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly ask: (queue: string) => Promise<number | undefined>,
    private readonly clock: Clock,
  ) {}

  get(queue: string): Promise<number> {
    const now = this.clock.now();
    const cached = this.#entries.get(queue);
    if (cached && now < cached.until) return cached.count;
    const count = this.ask(queue).then((found) => {
      if (found === undefined) throw unknownQueue(queue);
      return found;
    });
    const entry = { count, until: now + PARTITION_COUNT_TTL_MS };
    this.#entries.set(queue, entry);
    count.catch(() => {
      if (this.#entries.get(queue) === entry) this.#entries.delete(queue);
    });
    return count;
  }

  /** Asks again next time (a keyed post failed: the queue may have changed). */
  forget(queue: string): void {
    this.#entries.delete(queue);
  }
}

function unknownQueue(queue: string): QueueyError {
  return new QueueyError(
    `queue "${queue}" does not exist (or its partition count is not listed): a keyed message needs it to choose a partition`,
    { code: 'QUEUEY_CLIENT_UNKNOWN_QUEUE' },
  );
}
