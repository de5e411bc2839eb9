import type { Partitioner, PartitionerHost } from '@qdo/core';
import type { StartedPartitioner } from './health.js';

/** Any partitioner, plus whether start() has resolved (for /readyz). */
export class TrackedPartitioner implements StartedPartitioner {
  #started = false;
  constructor(private readonly inner: Partitioner) {}

  get started(): boolean {
    return this.#started;
  }

  async start(host: PartitionerHost, all: readonly string[], signal: AbortSignal): Promise<void> {
    await this.inner.start(host, all, signal);
    this.#started = true;
  }

  update(all: readonly string[]): Promise<void> {
    return this.inner.update(all);
  }

  owned(): readonly string[] {
    return this.inner.owned();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}
