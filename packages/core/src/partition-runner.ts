import type { Clock } from './clock.js';
import type { Message } from './hooks.js';
import { timestampToTicks } from './ids.js';
import type { JobRunner } from './job-runner.js';
import type { Metrics } from './metrics.js';
import { parsePartition } from './partition-name.js';
import type { ProgressStore } from './progress.js';
import type { QueueyClient } from './queuey-types.js';

/** What the worker knows about one owned partition. */
export interface PartitionState {
  readonly name: string;
  readonly queue: string;
  readonly partition: number;
  /** Last processed message id ('' = none); may be ahead of the committed one. */
  position: string;
  uncommitted: number;
  /** The next batch, read while the current one runs. */
  prefetch?: { since: string; batch: Promise<Message[]>; size?: number };
  /** Set by release(): finish the message in hand, then return. */
  releasing: boolean;
  /**
   * This round read the partition and found nothing after `position`. The
   * worker clears it before each round; the long-poll hands its answer only
   * to caught-up partitions (see long-poll.ts).
   */
  caughtUp: boolean;
  running?: Promise<number>;
  /** The progress commit on its way (commits of a partition go one at a time, in order). */
  committing?: Promise<void>;
}

export function newPartitionState(name: string, position: string): PartitionState {
  const { queue, partition } = parsePartition(name);
  return { name, queue, partition, position, uncommitted: 0, releasing: false, caughtUp: false };
}

export interface PartitionRunnerOptions<C, B> {
  queuey: QueueyClient;
  progress: ProgressStore;
  jobs: JobRunner<C, B>;
  metrics: Metrics;
  clock: Clock;
  batchSize: number;
  commitEvery: number;
  signal: AbortSignal;
  /** Whether the worker still owns the partition; checked before each job. */
  owns?: (name: string) => boolean;
}

/** Processes one batch of a partition, strictly in order, and commits progress. */
export class PartitionRunner<C, B> {
  constructor(private readonly o: PartitionRunnerOptions<C, B>) {}

  /**
   * Resolves with the number of messages marked processed once their
   * commit is sent, not answered: the partition's next run waits for that
   * commit while its read is on its way, so the progress PUT and the next
   * round's reads overlap instead of following one another.
   */
  async run(state: PartitionState, context: C): Promise<number> {
    const [batch] = await Promise.all([this.#read(state), state.committing]);
    const labels = { partition: state.name };
    if (batch.length === 0) {
      state.caughtUp = true;
      this.o.metrics.gauge('worker.lag_messages', 0, labels);
      this.o.metrics.gauge('worker.lag_seconds', 0, labels);
      return 0;
    }
    const last = batch[batch.length - 1] as Message<B>;
    if (batch.length >= this.o.batchSize) this.#prefetch(state, last.message_id);
    let done = 0;
    try {
      for (const [i, message] of batch.entries()) {
        if (this.o.signal.aborted || state.releasing || this.o.owns?.(state.name) === false) break;
        this.#lag(state, message, batch.length - i);
        if ((await this.o.jobs.run(message, context, state.name)) === 'stop') break;
        state.position = message.message_id;
        state.uncommitted += 1;
        done += 1;
        if (this.o.commitEvery > 0 && state.uncommitted >= this.o.commitEvery) {
          await this.commit(state);
        }
      }
    } finally {
      if (state.prefetch && state.prefetch.since !== state.position) state.prefetch = undefined;
    }
    // Not awaited here; a failure surfaces from the partition's next run or
    // from commitAll, and the commit is made again then.
    this.commit(state).catch(() => {});
    return done;
  }

  /** Commits the partition's position, after any commit still on its way. */
  commit(state: PartitionState): Promise<void> {
    const previous = state.committing;
    const next = (async () => {
      await previous?.catch(() => {}); // its own awaiter sees its failure
      if (state.uncommitted === 0) return;
      const position = state.position;
      const count = state.uncommitted;
      await this.o.progress.commit(state.name, position);
      state.uncommitted -= count;
    })();
    const tracked = next.finally(() => {
      if (state.committing === tracked) state.committing = undefined;
    });
    // Unobserved when nobody awaits it; whoever does sees the failure.
    tracked.catch(() => {});
    state.committing = tracked;
    return tracked;
  }

  async #read(state: PartitionState): Promise<Message<B>[]> {
    const prefetched = state.prefetch;
    state.prefetch = undefined;
    if (prefetched && prefetched.since === state.position) {
      try {
        return (await prefetched.batch) as Message<B>[];
      } catch {
        // a failed read-ahead is simply read again
      }
    }
    return this.#fetch(state, state.position) as Promise<Message<B>[]>;
  }

  #fetch(state: PartitionState, since: string): Promise<Message[]> {
    return this.o.queuey.messages(state.queue, {
      partition: state.partition,
      since: since || undefined,
      limit: this.o.batchSize,
      signal: this.o.signal,
    });
  }

  #prefetch(state: PartitionState, since: string): void {
    const batch = this.#fetch(state, since);
    const prefetch: NonNullable<PartitionState['prefetch']> = { since, batch };
    batch.then(
      (messages) => {
        prefetch.size = messages.length;
      },
      () => {},
    );
    state.prefetch = prefetch;
  }

  #lag(state: PartitionState, message: Message<B>, remaining: number): void {
    const labels = { partition: state.name };
    const ahead = remaining + (state.prefetch?.size ?? 0);
    this.o.metrics.gauge('worker.lag_messages', ahead, labels);
    const nowTicks = BigInt(Math.floor(this.o.clock.now())) * 10_000n;
    const lag = Number(nowTicks - timestampToTicks(message.timestamp)) / 1e7;
    this.o.metrics.gauge('worker.lag_seconds', Math.max(0, lag), labels);
  }
}
