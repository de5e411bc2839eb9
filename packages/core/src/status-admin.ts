import { BOOKKEEPING_PARTITIONS, STATUS_QUEUE } from './constants.js';
import { QdoError } from './errors.js';
import type { Logger } from './logger.js';
import { parsePartition } from './partition-name.js';
import { ProgressStore } from './progress.js';
import type { QueueyClient } from './queuey-types.js';

/** What a pause or resume did to one partition. */
export interface PauseResult {
  partition: string;
  /** Its position, kept as it was. */
  processed: string;
  /** False when it already was paused (or running). */
  changed: boolean;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

/**
 * The operator's actions on partitions' status messages, for `qdo pause` /
 * `qdo resume` and the dashboard alike: each is one conditional write of
 * the status message, which the owner notices within about a second
 * (see watchSeeks). `actor` is written as who paused.
 */
export class StatusAdmin {
  readonly #store: ProgressStore;

  constructor(
    private readonly queuey: QueueyClient,
    private readonly actor: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#store = new ProgressStore({ queuey, worker: actor, now, logger: silent });
  }

  /**
   * The partitions `target` names: `QUEUE-N` one, `QUEUE` all of its
   * partitions. A QdoError (code QDO_NOT_FOUND) names what does not exist.
   */
  async partitions(target: string): Promise<string[]> {
    const queues = await this.#queues();
    let partition: { queue: string; partition: number } | undefined;
    try {
      partition = parsePartition(target);
    } catch {
      partition = undefined;
    }
    if (partition && queues.has(partition.queue)) {
      const count = queues.get(partition.queue) ?? 1;
      if (partition.partition > count)
        throw notFound(
          `queue ${partition.queue} has ${count} partition(s), not ${partition.partition}`,
        );
      return [target];
    }
    const count = queues.get(target);
    if (count === undefined) throw notFound(`no queue named ${partition?.queue ?? target}`);
    return Array.from({ length: count }, (_, i) => `${target}-${i + 1}`);
  }

  /** Pauses every partition `target` names (see partitions()). */
  pause(target: string, signal?: AbortSignal): Promise<PauseResult[]> {
    const mark = { by: this.actor, since: new Date(this.now()).toISOString() };
    return this.#each(target, (name) => this.#store.setPaused(name, mark, signal));
  }

  /** Resumes every partition `target` names: each goes on from its position. */
  resume(target: string, signal?: AbortSignal): Promise<PauseResult[]> {
    return this.#each(target, (name) => this.#store.setPaused(name, undefined, signal));
  }

  async #each(
    target: string,
    write: (name: string) => Promise<{ processed: string; changed: boolean }>,
  ): Promise<PauseResult[]> {
    const names = await this.partitions(target);
    await this.#statusQueue();
    const results: PauseResult[] = [];
    for (const name of names) results.push({ partition: name, ...(await write(name)) });
    return results;
  }

  async #queues(): Promise<Map<string, number>> {
    const queues = new Map<string, number>();
    for await (const q of this.queuey.queues({ details: true }))
      queues.set(q.queue_name, q.partitions ?? 1);
    return queues;
  }

  async #statusQueue(): Promise<void> {
    const [first] = await this.queuey.listQueues({ offset: STATUS_QUEUE, limit: 1 });
    if (first?.queue_name !== STATUS_QUEUE)
      await this.queuey.createQueue({
        queueName: STATUS_QUEUE,
        partitions: BOOKKEEPING_PARTITIONS,
      });
  }
}

function notFound(message: string): QdoError {
  return new QdoError(message, { code: 'QDO_NOT_FOUND' });
}
