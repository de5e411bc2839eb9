/**
 * Decides which partitions (`<queue>-<n>`) this worker may process. The
 * manual policy lives in @qdo/core; the automatic one (ZooKeeper) in
 * @qdo/zookeeper. Ownership may change while the worker runs.
 */

/** What the worker offers a partitioner. */
export interface PartitionerHost {
  /**
   * Stop working on these partitions: finish the message in hand, commit
   * progress, and resolve once nothing of them is in flight. The partitioner
   * calls this before it gives the partitions up, so nobody else acquires a
   * partition while this worker still processes it.
   */
  release(partitions: readonly string[]): Promise<void>;
  /**
   * Ownership grew (a partition was acquired while running): an idle worker
   * stops waiting and starts on it now rather than after its back-off.
   */
  changed(): void;
}

export interface Partitioner {
  /**
   * Start with the current universe of work partitions; resolves when the
   * first assignment is known (may be empty).
   */
  start(host: PartitionerHost, all: readonly string[], signal: AbortSignal): Promise<void>;
  /** The universe changed (queues created, deleted, grown). */
  update(all: readonly string[]): Promise<void>;
  /** The partitions this worker owns right now; ask again every round. */
  owned(): readonly string[];
  /**
   * The worker begins to stop, before it finishes the jobs in hand: a
   * partitioner may tell the others now, so they are ready to take over the
   * moment stop() lets go. Optional.
   */
  stopping?(): void;
  /** Release everything (after the host released it) and leave. */
  stop(): Promise<void>;
}
