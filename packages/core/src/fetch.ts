import { type Batch, batchOf } from './batch.js';
import type { Message } from './hooks.js';
import type { PositionsFetch } from './long-poll.js';
import type { QueueyClient } from './queuey-types.js';

/**
 * How a partition's loop reads its next batch. A multi-partition fetch (the
 * server's `positions` extension) can stand in for the plain read here.
 */
export interface Fetcher {
  /**
   * Whether the idle long-poll reads from each partition's own position (the
   * `positions` extension): then a partition whose read came back short was
   * empty after it and waits there without reading again.
   */
  readonly exact?: boolean;
  /** At most `limit` messages strictly after `after` ('' = from the start), ascending. */
  read(
    target: { queue: string; partition: number },
    after: string,
    options: { limit: number; signal: AbortSignal },
  ): Promise<Batch>;
}

/** One plain Queuey read per batch. */
export function plainFetcher(queuey: QueueyClient): Fetcher {
  return {
    async read(target, after, { limit, signal }) {
      const messages = await queuey.messages(target.queue, {
        partition: target.partition,
        since: after || undefined,
        // `since` is inclusive on the server and dropped by the client: one more
        // keeps a full batch full, so the read-ahead goes on.
        limit: after ? Math.min(limit + 1, 1000) : limit,
        signal,
      });
      return messages.length > limit ? messages.slice(0, limit) : messages;
    },
  };
}

/** Reads through the server's multi-partition fetch (`positions`): exactly what follows `after`. */
export function positionsFetcher(fetch: PositionsFetch): Fetcher {
  return {
    exact: true,
    async read(target, after, { limit, signal }) {
      let cut = false;
      const messages = await fetch(target.queue, {
        positions: [{ partition: target.partition, after: after || undefined }],
        ...{ limit, signal, wait: 0 },
        onPartial: (partitions) => {
          cut = partitions.includes(target.partition);
        },
      });
      return batchOf(messages, cut);
    },
  };
}

/** Bytes of read-ahead batches held by the whole worker, so pipelining stays bounded. */
export class ByteBudget {
  #used = 0;
  constructor(readonly limit: number) {}

  get allows(): boolean {
    return this.#used < this.limit;
  }

  take(batch: readonly Message[]): number {
    let bytes = 0;
    for (const message of batch) bytes += message.body.length;
    this.#used += bytes;
    return bytes;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}
