import { isUuidHex, silentLogger, systemClock } from '@qdo/common';
import { STATUS_QUEUE } from './constants.js';
import { ensureBookkeepingQueues, isBookkeepingQueue, queueExists } from './discovery.js';
import { QdoConfigError, QdoError } from './errors.js';
import { parsePartition } from './partition-name.js';
import { type PartitionProgress, ProgressStore } from './progress.js';
import type { QueueyClient } from './queuey-types.js';

/** Where a seek moves a partition: its start, its newest message, or after a message id. */
export type SeekTarget = { to: 'start' } | { to: 'end' } | { to: 'id'; id: string };

/** How a target names partitions: `Q-N` (partition), `Q` (queue: all of it), or whichever exists. */
export type TargetKind = 'partition' | 'queue' | 'either';

/** What a pause or resume did to one partition. */
export interface PauseResult {
  partition: string;
  /** Its position, kept as it was. */
  processed: string;
  /** False when it already was paused (or running). */
  changed: boolean;
}

/**
 * The operator's actions on partitions' status messages, for `qdo seek`,
 * `qdo pause`, `qdo resume` and the dashboard alike: each is one
 * conditional write of the status message, which the owner notices within
 * about a second (see watchSeeks). `actor` is written as who did it.
 * Errors are QdoErrors: QDO_NOT_FOUND for a queue or message that does not
 * exist, QDO_CONFIG for input that cannot be right (a partition beyond the
 * queue's, a malformed id), QDO_CORRUPT_STATUS and QDO_FENCED from the write.
 */
export class StatusAdmin {
  readonly #store: ProgressStore;

  constructor(
    private readonly queuey: QueueyClient,
    private readonly actor: string,
    // Status ids carry wall time the server checks (as the worker's do).
    private readonly now: () => number = systemClock.now,
  ) {
    this.#store = new ProgressStore({ queuey, worker: actor, now, logger: silentLogger });
  }

  /**
   * The partitions `target` names: `QUEUE-N` one, `QUEUE` all of its
   * partitions (`kind` allows only one of the two readings). A QdoError
   * names what does not exist (QDO_NOT_FOUND) or cannot be worked on.
   */
  async partitions(target: string, kind: TargetKind = 'either'): Promise<string[]> {
    const queues = await this.#queues();
    let partition: { queue: string; partition: number } | undefined;
    try {
      partition = kind === 'queue' ? undefined : parsePartition(target);
    } catch (error) {
      if (kind === 'partition') throw error;
      partition = undefined;
    }
    const queue =
      partition && (kind === 'partition' || queues.has(partition.queue)) ? partition.queue : target;
    if (isBookkeepingQueue(queue))
      throw new QdoConfigError(`${queue} is qdo's own bookkeeping queue: no worker runs it`);
    if (partition && queue === partition.queue) {
      if (!queues.has(queue)) throw notFound(`no queue named ${queue}`);
      const count = queues.get(partition.queue) ?? 1;
      if (partition.partition > count)
        throw new QdoConfigError(
          `queue ${partition.queue} has ${count} partition(s), not ${partition.partition}`,
        );
      return [target];
    }
    const count = queues.get(target);
    if (count === undefined) throw notFound(`no queue named ${partition?.queue ?? target}`);
    return Array.from({ length: count }, (_, i) => `${target}-${i + 1}`);
  }

  /** A partition's status as a worker would read it now (after a full read of qdo_status). */
  async describe(name: string, signal?: AbortSignal): Promise<PartitionProgress> {
    await this.#load(signal);
    return this.#store.describe(name);
  }

  /** The status of each of `names`, in order, from one full read of qdo_status. */
  async describeAll(names: readonly string[], signal?: AbortSignal): Promise<PartitionProgress[]> {
    await this.#load(signal);
    return names.map((name) => this.#store.describe(name));
  }

  async #load(signal: AbortSignal | undefined): Promise<void> {
    if (await queueExists(this.queuey, STATUS_QUEUE)) await this.#store.load(signal);
  }

  /** The position a seek of partition `name` (Q-N) to `target` writes, checked to exist. */
  async target(name: string, target: SeekTarget): Promise<string> {
    const { queue, partition } = parsePartition(name);
    await this.partitions(name, 'partition');
    if (target.to === 'start') return '';
    if (target.to === 'end') {
      const [newest] = await this.queuey.messages(queue, {
        partition,
        order: 'descending',
        limit: 1,
      });
      return newest?.message_id ?? '';
    }
    const id = target.id.replace(/-/g, '').toLowerCase();
    if (!isUuidHex(id))
      throw new QdoConfigError(`"${target.id}" is not a message id (32 hex digits)`);
    const [found] = await this.queuey.getMessages(queue, [{ partition, id }]);
    if (!found) throw notFound(`no message ${id} in ${name} (expired, or another partition?)`);
    return id;
  }

  /**
   * Moves partition `name` (Q-N) to `target` whatever its status holds
   * (`qdo seek`): the owner is fenced and starts over from there; a pause stays.
   */
  async seek(name: string, target: SeekTarget): Promise<{ partition: string; processed: string }> {
    const processed = await this.target(name, target);
    await this.moveTo(name, processed);
    return { partition: name, processed };
  }

  /** Writes `processed` as the position of `name`, already checked (see target()). */
  async moveTo(name: string, processed: string, signal?: AbortSignal): Promise<void> {
    await this.#statusQueue();
    await this.#store.seek(name, processed, signal);
  }

  /** Pauses every partition `target` names (see partitions()). */
  pause(target: string, kind?: TargetKind, signal?: AbortSignal): Promise<PauseResult[]> {
    const mark = { by: this.actor, since: new Date(this.now()).toISOString() };
    return this.#each(target, kind, (name) => this.#store.setPaused(name, mark, signal));
  }

  /** Resumes every partition `target` names: each goes on from its position. */
  resume(target: string, kind?: TargetKind, signal?: AbortSignal): Promise<PauseResult[]> {
    return this.#each(target, kind, (name) => this.#store.setPaused(name, undefined, signal));
  }

  async #each(
    target: string,
    kind: TargetKind | undefined,
    write: (name: string) => Promise<{ processed: string; changed: boolean }>,
  ): Promise<PauseResult[]> {
    const names = await this.partitions(target, kind);
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

  #statusQueue(): Promise<void> {
    return ensureBookkeepingQueues(this.queuey, { only: STATUS_QUEUE });
  }
}

function notFound(message: string): QdoError {
  return new QdoError(message, { code: 'QDO_NOT_FOUND' });
}
