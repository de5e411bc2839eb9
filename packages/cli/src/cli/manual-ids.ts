import {
  type Logger,
  ManualPartitioner,
  type Partitioner,
  type PartitionerHost,
  parsePartition,
} from '@qdo/core';

/**
 * core's ManualPartitioner (which keeps ids the queues do not have yet and
 * takes them once they appear), plus a warning per such id at start and a
 * note when it turns up, so a typo or a queue still to grow is visible.
 */
export class AnnouncedManualPartitioner implements Partitioner {
  readonly #inner: ManualPartitioner;
  readonly #ids: readonly string[];
  readonly #logger: Logger;
  readonly #missing = new Set<string>();

  constructor(ids: readonly string[], logger: Logger) {
    this.#inner = new ManualPartitioner(ids);
    this.#ids = [...new Set(ids)];
    this.#logger = logger;
  }

  async start(host: PartitionerHost, all: readonly string[], signal: AbortSignal): Promise<void> {
    await this.#inner.start(host, all, signal);
    const existing = new Set(all);
    for (const id of this.#ids) {
      if (existing.has(id)) continue;
      this.#missing.add(id);
      const { queue, partition } = parsePartition(id);
      this.#logger.warn(
        `[partitions] ids: partition ${id} does not exist (yet); kept, and worked on once queue ${queue} has ${partition} partitions`,
      );
    }
  }

  async update(all: readonly string[]): Promise<void> {
    await this.#inner.update(all);
    const existing = new Set(all);
    for (const id of this.#missing) {
      if (!existing.has(id)) continue;
      this.#missing.delete(id);
      this.#logger.info(`[partitions] ids: partition ${id} exists now; working on it`);
    }
  }

  owned(): readonly string[] {
    return this.#inner.owned();
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
