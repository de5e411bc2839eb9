import type { Clock } from '@qdo/common';
import { discoverPartitions, ensureBookkeepingQueues, isBookkeepingQueue } from './discovery.js';
import { about, type Logger, logEnabled } from './logger.js';
import type { Metrics } from './metrics.js';
import { parsePartition } from './partition-name.js';
import type { PartitionState } from './partition-state.js';
import type { Partitioner, PartitionerHost } from './partitioner.js';
import type { ProgressStore } from './progress.js';
import type { QueueyClient } from './queuey-types.js';

function isWorkPartition(name: string): boolean {
  try {
    return !isBookkeepingQueue(parsePartition(name).queue);
  } catch {
    return false;
  }
}

/** A partition's loop (partition-loop.ts), as the set drives it. */
export interface OwnedLoop {
  /** Its partition, as its loop keeps it (read-only). */
  readonly state: PartitionState;
  /** Resolves when the loop ended. */
  readonly done: Promise<void>;
  /** Why it ended early (corrupt status, fenced, unreadable), if it did. */
  readonly error: Error | undefined;
  /** Stops it and resolves once it ended (the job in hand gets the stop's time). */
  finish(): Promise<void>;
  /** Its position was moved on the server: it stops before the next job, without a commit. */
  reposition(): void;
  setPaused(paused: boolean): void;
}

/** The universe of partitions, what this worker owns of it, and one loop per owned partition. */
export class PartitionSet implements PartitionerHost {
  readonly #loops = new Map<string, OwnedLoop>();
  readonly #corrupt = new Set<string>();
  #all: readonly string[] = [];
  #discoveredAt = Number.NEGATIVE_INFINITY;
  /** A discovery round passed: loops that ended early (corrupt, fenced) may start again. */
  #retryEnded = false;
  #wake = new AbortController();

  constructor(
    private readonly o: {
      queuey: QueueyClient;
      partitioner: Partitioner;
      progress: ProgressStore;
      clock: Clock;
      logger: Logger;
      metrics: Metrics;
      discoveryInterval: number;
      /** A loop for `name`; `owned` says whether the partition is still ours (see owns). */
      newLoop(name: string, owned: () => boolean): OwnedLoop;
      ended(state: PartitionState): void;
    },
  ) {}

  /** The start of the loop: heartbeat, discover, create bookkeeping queues, load progress, partition. */
  async start(signal: AbortSignal): Promise<void> {
    await this.o.queuey.connect();
    const { partitions, bookkeeping } = await discoverPartitions(this.o.queuey);
    await ensureBookkeepingQueues(this.o.queuey, { existing: bookkeeping });
    await this.o.progress.load(signal);
    this.#setAll(partitions);
    await this.o.partitioner.start(this, this.#all, signal);
  }

  /** Re-lists queues when due; resolves true when new partitions appeared. */
  async discover(): Promise<boolean> {
    if (this.o.clock.monotonic() - this.#discoveredAt < this.o.discoveryInterval * 1000)
      return false;
    const before = new Set(this.#all);
    const { partitions } = await discoverPartitions(this.o.queuey);
    this.#setAll(partitions);
    this.#retryEnded = true;
    const added = partitions.filter((name) => !before.has(name));
    if (added.length === 0 && partitions.length === before.size) return false;
    if (added.length > 0) this.o.logger.info(`discovered ${added.length} new partition(s)`);
    await this.o.partitioner.update(this.#all);
    return added.length > 0;
  }

  /** Starts a loop for each owned partition without one (after a discovery round, also for ended ones). */
  sync(): void {
    const retry = this.#retryEnded;
    this.#retryEnded = false;
    const owned = this.#owned();
    for (const name of this.#loops.keys()) if (!owned.includes(name)) void this.#stop(name);
    for (const name of owned) {
      const loop = this.#loops.get(name);
      if (loop?.state.status === 'running' && this.#corrupt.delete(name)) {
        this.o.metrics.gauge('worker.corrupt', 0, { partition: name });
      }
      if (loop && (!retry || !['corrupt', 'fenced'].includes(loop.state.status))) continue;
      const started = this.o.newLoop(name, () => this.owns(name));
      this.#loops.set(name, started);
      started.done.then(() => this.#ended(started));
    }
  }

  /**
   * Whether the partitioner still gives us `name`, asked before every job: a
   * partitioner that lost its lock (ZooKeeper's liveness deadline, checked
   * inside owned()) says so here before the next job can run on two owners.
   */
  owns(name: string): boolean {
    const now = this.o.partitioner.owned();
    if (now !== this.#ownsFrom) {
      this.#ownsFrom = now;
      this.#ownsSet = new Set(now);
    }
    return this.#ownsSet.has(name);
  }

  #ownsFrom: readonly string[] | undefined;
  #ownsSet = new Set<string>();

  /** Loops starting, running or waiting (for the idle step). */
  get live(): number {
    let live = 0;
    for (const { state } of this.#loops.values()) {
      if (state.status === 'running' || state.status === 'starting') live += 1;
    }
    return live;
  }

  states(): PartitionState[] {
    return [...this.#loops.values()].map((loop) => loop.state);
  }

  /** Every owned partition has a loop that took its position (or is reported corrupt/stuck). */
  get settled(): boolean {
    return this.unsettled().length === 0;
  }

  /** Owned partitions whose loop has not started running yet (claiming, or none yet). */
  unsettled(): string[] {
    return this.#owned().filter((name) => {
      const status = this.#loops.get(name)?.state.status;
      return status !== 'running' && status !== 'stuck' && status !== 'corrupt';
    });
  }

  /**
   * PartitionerHost: stop reading them at once, let the jobs in hand finish
   * (bounded as a stop is), commit, forget them.
   */
  async release(partitions: readonly string[]): Promise<void> {
    if (partitions.length > 0 && logEnabled(this.o.logger, 'debug'))
      this.o.logger.debug(`releasing ${partitions.length} partition(s)`, { partitions });
    await Promise.all(partitions.map((name) => this.#stop(name)));
  }

  /** Partitions whose loop took its position and works on it. */
  running(): string[] {
    const names: string[] = [];
    for (const [name, { state }] of this.#loops) if (state.status === 'running') names.push(name);
    return names;
  }

  /**
   * Someone else wrote the partition's status (`qdo seek`): its loop stops
   * before its next job and drops what it did since (no commit), and a new
   * loop starts at once from the position on the server.
   */
  /** `qdo pause` or `qdo resume` was written to the partition's status: its loop follows. */
  setPaused(name: string, paused: boolean): void {
    const loop = this.#loops.get(name);
    if (loop === undefined || loop.state.paused === paused) return;
    this.o.logger.info(`${name}: ${paused ? 'paused' : 'resumed'}`, about(name));
    loop.setPaused(paused);
  }

  restart(name: string): void {
    const loop = this.#loops.get(name);
    if (loop === undefined || this.#restarting.has(loop)) return;
    if (loop.state.status !== 'running') return;
    this.#restarting.add(loop);
    this.o.logger.info(`${name}: its position was moved on the server: starting over from there`);
    loop.reposition();
    void loop.finish().then(() => {
      this.#restarting.delete(loop);
      if (this.#loops.get(name) !== loop) return;
      this.#loops.delete(name);
      // The idle step ends, and sync() starts the new loop.
      this.changed();
    });
  }

  readonly #restarting = new Set<OwnedLoop>();

  /** Stop: every loop stops reading and finishes (see PartitionLoop.finish). */
  stopAll(): Promise<void> {
    return Promise.all([...this.#loops.keys()].map((name) => this.#stop(name))).then(() => {});
  }

  /** PartitionerHost: ownership grew; ends the idle wait in progress. */
  changed(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  /** Aborts when ownership grows (see changed()); a fresh signal after each change. */
  get wake(): AbortSignal {
    return this.#wake.signal;
  }

  async #stop(name: string): Promise<void> {
    const loop = this.#loops.get(name);
    if (!loop) return;
    await loop.finish();
    if (this.#loops.get(name) === loop) this.#loops.delete(name);
  }

  #ended(loop: OwnedLoop): void {
    const { state } = loop;
    this.o.ended(state);
    if (state.status === 'fenced') this.#fenced(loop);
    if (state.status !== 'corrupt' && this.#corrupt.delete(state.name)) {
      this.o.metrics.gauge('worker.corrupt', 0, { partition: state.name });
    }
    if (state.status !== 'corrupt' || this.#corrupt.has(state.name)) return;
    this.o.metrics.gauge('worker.corrupt', 1, { partition: state.name });
    this.#corrupt.add(state.name);
    this.o.logger.error(
      `${state.name} is not processed: ${loop.error?.message}`,
      about(state.name),
    );
  }

  /**
   * A commit was refused: someone else wrote the status (`qdo seek`, often
   * noticed at a commit before the seek watch sees it). Start over from it
   * at once, once per discovery interval: were two workers to claim the
   * partition in turn (a misconfigured manual policy), each retries no
   * faster than that.
   */
  #fenced(loop: OwnedLoop): void {
    const { name } = loop.state;
    const now = this.o.clock.monotonic();
    const last = this.#refencedAt.get(name) ?? Number.NEGATIVE_INFINITY;
    if (this.#loops.get(name) !== loop || now - last < this.o.discoveryInterval * 1000) return;
    if (!this.#owned().includes(name)) return;
    this.#refencedAt.set(name, now);
    this.#loops.delete(name);
    this.changed();
  }

  readonly #refencedAt = new Map<string, number>();

  #setAll(partitions: readonly string[]): void {
    this.#all = partitions.filter(isWorkPartition);
    this.#discoveredAt = this.o.clock.monotonic();
  }

  #owned(): string[] {
    return this.o.partitioner.owned().filter(isWorkPartition);
  }
}
