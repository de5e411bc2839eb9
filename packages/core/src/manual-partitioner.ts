import type { Partitioner, PartitionerHost } from './partitioner.js';

/**
 * The `manual` policy: explicit partition ids, or every work partition when
 * none are given. Both follow re-discovery: an explicit id whose queue does
 * not exist yet is picked up once it appears.
 */
export class ManualPartitioner implements Partitioner {
  readonly #ids: readonly string[] | undefined;
  #owned: readonly string[] = [];

  constructor(ids?: readonly string[]) {
    this.#ids = ids && ids.length > 0 ? [...new Set(ids)] : undefined;
  }

  async start(
    _host: PartitionerHost,
    all: readonly string[],
    _signal?: AbortSignal,
  ): Promise<void> {
    await this.update(all);
  }

  async update(all: readonly string[]): Promise<void> {
    if (!this.#ids) {
      this.#owned = [...all];
      return;
    }
    const existing = new Set(all);
    this.#owned = this.#ids.filter((id) => existing.has(id));
  }

  owned(): readonly string[] {
    return this.#owned;
  }

  async stop(): Promise<void> {}
}
