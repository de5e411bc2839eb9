import type { Clock } from './clock.js';
import { discoverPartitions, ensureBookkeepingQueues, isBookkeepingQueue } from './discovery.js';
import { CorruptStatusError } from './errors.js';
import type { Logger } from './logger.js';
import { parsePartition } from './partition-name.js';
import type { PartitionRunner } from './partition-runner.js';
import { newPartitionState, type PartitionState } from './partition-runner.js';
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

/** The universe of partitions, what this worker owns of it, and where each stands. */
export class PartitionSet implements PartitionerHost {
  readonly #states = new Map<string, PartitionState>();
  #all: readonly string[] = [];
  #discoveredAt = Number.NEGATIVE_INFINITY;
  /** Partitions whose status is corrupt, logged once until they acquire again. */
  readonly #corrupt = new Set<string>();
  #ownedCache: { from: readonly string[]; names: Set<string> } | undefined;
  #wake = new AbortController();

  constructor(
    private readonly o: {
      queuey: QueueyClient;
      partitioner: Partitioner;
      progress: ProgressStore;
      runner: PartitionRunner<unknown, unknown>;
      clock: Clock;
      logger: Logger;
      discoveryInterval: number;
    },
  ) {}

  /** Step 1-2 of the loop: heartbeat, discover, create bookkeeping queues, load progress, partition. */
  async start(signal: AbortSignal): Promise<void> {
    await this.o.queuey.connect();
    const { partitions, bookkeeping } = await discoverPartitions(this.o.queuey);
    await ensureBookkeepingQueues(this.o.queuey, bookkeeping);
    await this.o.progress.load(signal);
    this.#setAll(partitions);
    await this.o.partitioner.start(this, this.#all, signal);
  }

  /** Re-lists queues when due; resolves true when new partitions appeared. */
  async discover(): Promise<boolean> {
    if (this.o.clock.now() - this.#discoveredAt < this.o.discoveryInterval * 1000) return false;
    const before = new Set(this.#all);
    const { partitions } = await discoverPartitions(this.o.queuey);
    this.#setAll(partitions);
    const added = partitions.filter((name) => !before.has(name));
    if (added.length === 0 && partitions.length === before.size) return false;
    if (added.length > 0) this.o.logger.info(`discovered ${added.length} new partition(s)`);
    await this.o.partitioner.update(this.#all);
    return added.length > 0;
  }

  /** The owned work partitions, in the partitioner's order. */
  async owned(signal?: AbortSignal): Promise<PartitionState[]> {
    const names = [...this.#ownedNames()];
    const acquired = names.filter((name) => !this.#states.has(name));
    for (const name of acquired) {
      // A fresh read and claim of its progress, now that the partition is ours.
      const position = await this.o.progress.acquire(name, signal).catch((error: unknown) => {
        if (!(error instanceof CorruptStatusError)) throw error;
        if (!this.#corrupt.has(name)) this.o.logger.error(error.message);
        this.#corrupt.add(name);
      });
      if (position === undefined) continue;
      this.#corrupt.delete(name);
      this.#states.set(name, newPartitionState(name, position));
    }
    return names.flatMap((name) => this.#states.get(name) ?? []);
  }

  isOwned(name: string): boolean {
    return this.#ownedNames().has(name) && !this.#states.get(name)?.releasing;
  }

  /** PartitionerHost: finish the message in hand, commit, forget the partitions. */
  async release(partitions: readonly string[]): Promise<void> {
    await Promise.all(partitions.map((name) => this.#settle(name, true)));
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

  /** Shutdown: wait for what is in flight and commit everything. */
  async commitAll(): Promise<void> {
    await Promise.all([...this.#states.keys()].map((name) => this.#settle(name, false)));
  }

  async #settle(name: string, forget: boolean): Promise<void> {
    const state = this.#states.get(name);
    if (!state) return;
    state.releasing = forget || state.releasing;
    await state.running?.catch(() => {});
    try {
      await this.o.runner.commit(state);
    } catch (error) {
      this.o.logger.error(`could not commit progress of ${name}; its tail may run again`, error);
    }
    if (forget) this.#states.delete(name);
  }

  #setAll(partitions: readonly string[]): void {
    this.#all = partitions.filter(isWorkPartition);
    this.#discoveredAt = this.o.clock.now();
  }

  #ownedNames(): Set<string> {
    const from = this.o.partitioner.owned();
    if (this.#ownedCache?.from !== from) {
      this.#ownedCache = { from, names: new Set(from.filter(isWorkPartition)) };
    }
    return this.#ownedCache.names;
  }
}
