import { BOOKKEEPING_PARTITIONS, BOOKKEEPING_TTL, STATUS_QUEUE } from './constants.js';
import { idTicks, newMessageId, timestampToTicks } from './ids.js';
import type { Logger } from './logger.js';
import { parsePartition } from './partition-name.js';
import type { QueueyClient } from './queuey-types.js';

interface Status {
  /** Id of the status message in qdo_status (kept, so PUT overwrites it). */
  statusId: string;
  /** Last processed message id in the work partition; '' = none yet. */
  processed: string;
  ticks: bigint;
}

/** The qdo_status partition holding the status of work partition N. */
export function statusPartition(partition: number): number {
  return ((partition - 1) % BOOKKEEPING_PARTITIONS) + 1;
}

/**
 * Where each work partition stands, kept in qdo_status as one message per
 * partition: `{"partition": "Q-N", "processed": "<id>", "last_worker": ...}`.
 */
export class ProgressStore {
  readonly #status = new Map<string, Status>();

  constructor(
    private readonly options: {
      queuey: QueueyClient;
      worker: string;
      now: () => number;
      logger: Logger;
    },
  ) {}

  /** Reads every status message (all pages); the newest per partition wins. */
  async load(signal?: AbortSignal): Promise<void> {
    this.#status.clear();
    await this.refresh(
      Array.from({ length: BOOKKEEPING_PARTITIONS }, (_, i) => i + 1),
      signal,
    );
  }

  /**
   * Re-reads the status partitions of `names`: a partition acquired while
   * running may have moved on under another worker since load().
   */
  async refreshFor(names: readonly string[], signal?: AbortSignal): Promise<void> {
    const sps = new Set(names.map((name) => statusPartition(parsePartition(name).partition)));
    await this.refresh([...sps], signal);
  }

  async refresh(statusPartitions: readonly number[], signal?: AbortSignal): Promise<void> {
    const { queuey, logger } = this.options;
    for (const sp of statusPartitions) {
      const pages = queuey.iterateMessages(STATUS_QUEUE, { partition: sp, pageSize: 1000, signal });
      for await (const message of pages) {
        let body: { partition?: unknown; processed?: unknown };
        try {
          body = JSON.parse(message.body);
        } catch {
          logger.warn(`ignoring status message ${sp}:${message.message_id}: body is not JSON`);
          continue;
        }
        if (typeof body.partition !== 'string') continue;
        const ticks = timestampToTicks(message.timestamp);
        const known = this.#status.get(body.partition);
        if (known && known.ticks > ticks) continue;
        this.#status.set(body.partition, {
          statusId: message.message_id,
          processed: typeof body.processed === 'string' ? body.processed : '',
          ticks,
        });
      }
    }
  }

  /**
   * Called when this worker starts on a partition (at start or on a later
   * acquisition): reads its position fresh from the server, never from a
   * cache loaded before the partition was acquired. May throw
   * CorruptStatusError (the partition must wait).
   */
  async acquire(name: string, signal?: AbortSignal): Promise<string> {
    await this.refreshFor([name], signal);
    return this.position(name);
  }

  /** The last processed message id of a partition, '' when none. */
  position(name: string): string {
    return this.#status.get(name)?.processed ?? '';
  }

  /** Records `processed` as the partition's position on the server. */
  async commit(name: string, processed: string): Promise<void> {
    const { queuey, worker, now } = this.options;
    let status = this.#status.get(name);
    if (status?.processed === processed) return;
    if (!status) {
      const statusId = newMessageId(now());
      status = { statusId, processed, ticks: idTicks(statusId) ?? 0n };
    }
    const body = JSON.stringify({ partition: name, processed, last_worker: worker });
    const sp = statusPartition(parsePartition(name).partition);
    await queuey.putMessages(STATUS_QUEUE, [{ partition: sp, id: status.statusId }], body, {
      ttl: BOOKKEEPING_TTL,
      contentType: 'application/json',
    });
    this.#status.set(name, { ...status, processed });
  }

  /** Number of partitions with a known status. */
  get size(): number {
    return this.#status.size;
  }
}
