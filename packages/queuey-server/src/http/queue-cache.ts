/**
 * Queues as a post last found them, so a post need not look its queue up
 * (on PostgreSQL a round trip of its own). Only posts use it: what a post
 * takes from the queue is its partition count, and the storage's insert
 * refuses a batch naming a partition the queue does not have (or a queue
 * that is gone) as a missing queue, so a copy made stale on another server
 * (deleted, made again, more partitions) costs one more look, never a
 * wrong answer. Everything else reads the queue afresh (its permissions
 * decide who may read) and refreshes the copy. A copy is kept a few seconds,
 * so partitions added elsewhere are soon posted to at random too.
 */
import type { QueueRecord } from '../storage/types.js';

const FRESH_MS = 5_000;
const MAX_QUEUES = 10_000;

export class QueueCache {
  readonly #queues = new Map<string, { queue: QueueRecord; at: number }>();
  readonly #clock: () => number;

  /** `clock`: monotonic ms. */
  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  get(application: string, name: string): QueueRecord | undefined {
    const entry = this.#queues.get(key(application, name));
    return entry && this.#clock() - entry.at < FRESH_MS ? entry.queue : undefined;
  }

  /** The queue as just read from the storage; undefined: it does not exist. */
  set(application: string, name: string, queue: QueueRecord | undefined): void {
    const id = key(application, name);
    this.#queues.delete(id);
    if (!queue) return;
    // Oldest first: a Map keeps insertion order.
    if (this.#queues.size >= MAX_QUEUES)
      this.#queues.delete(this.#queues.keys().next().value as string);
    this.#queues.set(id, { queue, at: this.#clock() });
  }
}

const key = (application: string, name: string) => `${application}/${name}`;
