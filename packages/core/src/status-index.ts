import { timestampToTicks } from '@qdo/common';
import { STATUS_QUEUE } from './constants.js';
import {
  type PauseMark,
  parseStatus,
  type StuckMark,
  statusIdOf,
  statusRef,
} from './progress-status.js';
import type { QueueyClient } from './queuey-types.js';

/** What `qdo status` shows of one partition's progress. */
export interface PartitionProgress {
  partition: string;
  /** Last processed message id; '' when none (or when corrupt). */
  processed: string;
  lastWorker: string | undefined;
  /** `sp:id` of the status message the position comes from. */
  statusMessage: string | undefined;
  /** Why the status cannot be trusted; the partition waits for `qdo seek`. */
  corrupt: string | undefined;
  /** The message whose job ignored its abort signal, while its worker waits for it. */
  stuck: StuckMark | undefined;
  /** When the last writer started and wrote (ISO 8601), when it said so (not older workers). */
  workerStarted?: string | undefined;
  writtenAt?: string | undefined;
  /** Set while `qdo pause` holds the partition: no job starts on it. */
  paused?: PauseMark | undefined;
}

interface Known extends PartitionProgress {
  /** From the deterministic status message (else a legacy one with a random id). */
  own: boolean;
  ticks: bigint;
}

/**
 * The status messages of qdo_status as read by a full scan: per partition
 * its own (deterministic id) message when there is one, else the newest
 * legacy one (random id, written before fencing); and the messages no
 * partition can be read from, which may hide a partition's position.
 */
export class StatusIndex {
  readonly #known = new Map<string, Known>();
  /** `sp:id` of status messages no partition can be read from, with why. */
  readonly #unreadable = new Map<string, string>();

  constructor(private readonly queuey: QueueyClient) {}

  get size(): number {
    return this.#known.size;
  }

  get(name: string): PartitionProgress | undefined {
    return this.#known.get(name);
  }

  /** Records what this worker wrote to a partition's own status message. */
  wrote(
    name: string,
    processed: string,
    worker: string,
    marks: { stuck?: StuckMark | undefined; paused?: PauseMark | undefined } = {},
  ): void {
    const ref = statusRef(name);
    const { stuck, paused } = marks;
    this.#known.set(name, {
      ...{ partition: name, processed, lastWorker: worker, corrupt: undefined, stuck, paused },
      ...{ statusMessage: `${ref.partition}:${ref.id}`, own: true, ticks: 0n },
    });
  }

  /** A partition's progress as last scanned, corrupt when its own message is unreadable. */
  describe(name: string): PartitionProgress {
    const ref = statusRef(name);
    const statusMessage = `${ref.partition}:${ref.id}`;
    const unreadable = this.#unreadable.get(statusMessage);
    if (unreadable !== undefined) {
      return {
        partition: name,
        processed: '',
        lastWorker: undefined,
        statusMessage,
        corrupt: unreadable,
        stuck: undefined,
      };
    }
    const known = this.#known.get(name);
    if (!known) {
      return {
        partition: name,
        processed: '',
        lastWorker: undefined,
        statusMessage: undefined,
        corrupt: undefined,
        stuck: undefined,
      };
    }
    const { own: _own, ticks: _ticks, ...shown } = known;
    return shown;
  }

  /** An unreadable message in status partition `sp`, if any: `[sp:id, why]`. */
  unreadableIn(sp: number): [string, string] | undefined {
    return [...this.#unreadable].find(([ref]) => ref.startsWith(`${sp}:`));
  }

  /** Forgets status partition `sp` and reads it again, every page. */
  async rescan(sp: number, signal?: AbortSignal): Promise<void> {
    for (const key of [...this.#known.keys()]) {
      if (statusRef(key).partition === sp) this.#known.delete(key);
    }
    for (const key of [...this.#unreadable.keys()]) {
      if (key.startsWith(`${sp}:`)) this.#unreadable.delete(key);
    }
    await this.scan(sp, signal);
  }

  async scan(sp: number, signal?: AbortSignal): Promise<void> {
    const pages = this.queuey.iterateMessages(STATUS_QUEUE, {
      partition: sp,
      pageSize: 1000,
      signal,
    });
    for await (const message of pages) {
      const ref = `${sp}:${message.message_id}`;
      const parsed = parseStatus(message.body);
      if (parsed.partition === undefined) {
        this.#unreadable.set(ref, parsed.ok ? 'no partition' : parsed.reason);
        continue;
      }
      const name = parsed.partition;
      const own = message.message_id === statusIdOf(name);
      const ticks = timestampToTicks(message.timestamp);
      const known = this.#known.get(name);
      if (known && (known.own || (!own && known.ticks > ticks))) continue;
      this.#known.set(name, {
        partition: name,
        processed: parsed.ok ? parsed.processed : '',
        lastWorker: parsed.ok ? parsed.lastWorker : undefined,
        statusMessage: ref,
        corrupt: parsed.ok ? undefined : parsed.reason,
        stuck: parsed.ok ? parsed.stuck : undefined,
        workerStarted: parsed.ok ? parsed.workerStarted : undefined,
        writtenAt: parsed.ok ? parsed.writtenAt : undefined,
        paused: parsed.ok ? parsed.paused : undefined,
        own,
        ticks,
      });
    }
  }

  clear(): void {
    this.#known.clear();
    this.#unreadable.clear();
  }
}
