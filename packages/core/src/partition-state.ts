import type { Message } from './hooks.js';
import { parsePartition } from './partition-name.js';

/**
 * running: reading or working; corrupt: its status cannot be trusted and it
 * waits; stuck: a job ignored its abort signal past the grace; fenced:
 * another owner took its progress over; stopped: its loop ended.
 */
export type PartitionStatus = 'starting' | 'running' | 'stuck' | 'corrupt' | 'fenced' | 'stopped';

interface Prefetch {
  /** The position the batch was read after. */
  since: string;
  batch: Promise<Message[]>;
  /** Known once the batch arrived. */
  size?: number;
}

/**
 * What the worker knows about one owned partition. Only this class changes
 * it: its loop advances it, the long-poll hands it a batch, commits go
 * through its chain one at a time, in order.
 */
export class PartitionState {
  readonly name: string;
  readonly queue: string;
  readonly partition: number;
  #status: PartitionStatus = 'starting';
  #position = '';
  #uncommitted = 0;
  #prefetch: Prefetch | undefined;
  #committing: Promise<void> | undefined;
  #caughtUp = false;
  /** The message whose job ignored its abort signal, while stuck. */
  stuckOn: string | undefined;
  /** Held by `qdo pause` (its status message says so): the loop starts no job. */
  paused = false;

  constructor(name: string) {
    this.name = name;
    ({ queue: this.queue, partition: this.partition } = parsePartition(name));
  }

  get status(): PartitionStatus {
    return this.#status;
  }
  /** Last processed message id ('' = none); may be ahead of the committed one. */
  get position(): string {
    return this.#position;
  }
  /** Messages processed since the last commit that succeeded. */
  get uncommitted(): number {
    return this.#uncommitted;
  }
  /** Read empty after `position` and waiting for the shared long-poll or back-off. */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }
  /** Messages of the prefetched batch, once it arrived (for the lag metric). */
  get prefetched(): number {
    return this.#prefetch?.size ?? 0;
  }

  /** Its loop starts at `position`, read fresh (progress.acquire). */
  start(position: string): void {
    this.#position = position;
    this.#uncommitted = 0;
    this.#prefetch = undefined;
    this.#status = 'running';
  }

  setStatus(status: PartitionStatus): void {
    this.#status = status;
  }

  stuck(messageId: string | undefined): void {
    this.stuckOn = messageId;
    this.#status = messageId === undefined ? 'running' : 'stuck';
  }

  setCaughtUp(caughtUp: boolean): void {
    this.#caughtUp = caughtUp;
  }

  /** The message's job (or failure hook) finished: it counts as processed (a batch: `count` of them). */
  advance(messageId: string, count = 1): void {
    this.#position = messageId;
    this.#uncommitted += count;
  }

  /** The read-ahead of the next batch, started while the current one runs. */
  prefetch(since: string, batch: Promise<Message[]>): void {
    const prefetch: Prefetch = { since, batch };
    batch.then(
      (messages) => {
        prefetch.size = messages.length;
      },
      () => {},
    );
    this.#prefetch = prefetch;
  }

  /**
   * The long-poll's answer for this partition, taken as its next batch when
   * it is caught up and has nothing prefetched. Returns whether it was taken.
   */
  handOver(batch: Message[]): boolean {
    if (!this.#caughtUp || this.#prefetch || this.#status !== 'running') return false;
    this.#prefetch = { since: this.#position, batch: Promise.resolve(batch), size: batch.length };
    return true;
  }

  /** Takes the prefetched batch; `fresh` when it follows the current position. */
  takePrefetch(): { batch: Promise<Message[]>; fresh: boolean } | undefined {
    const prefetch = this.#prefetch;
    this.#prefetch = undefined;
    return prefetch && { batch: prefetch.batch, fresh: prefetch.since === this.#position };
  }

  get hasPrefetch(): boolean {
    return this.#prefetch !== undefined;
  }

  /** The commit on its way, if any (its awaiter sees its failure). */
  get committing(): Promise<void> | undefined {
    return this.#committing;
  }

  /** Commits the position through `write`, after any commit still on its way. */
  commit(write: (name: string, position: string) => Promise<void>): Promise<void> {
    return this.#chain(async () => {
      if (this.#uncommitted === 0) return;
      const position = this.#position;
      const count = this.#uncommitted;
      await write(this.name, position);
      this.#uncommitted -= count;
    });
  }

  /**
   * Another write of the status message (the stuck mark), in the same chain
   * as the commits: one conditional write at a time, each on the ETag of
   * the one before.
   */
  write(step: () => Promise<void>): Promise<void> {
    return this.#chain(step);
  }

  #chain(step: () => Promise<void>): Promise<void> {
    const previous = this.#committing;
    const next = (async () => {
      await previous?.catch(() => {}); // its own awaiter sees its failure
      await step();
    })();
    const tracked = next.finally(() => {
      if (this.#committing === tracked) this.#committing = undefined;
    });
    tracked.catch(() => {}); // unobserved when nobody awaits it
    this.#committing = tracked;
    return tracked;
  }
}
