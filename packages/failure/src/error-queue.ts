import { ERROR_QUEUE } from '@qdo/core';
import type { Message, MessageId, QueueyClient } from '@qdo/queuey-client';
import { ReplayError } from './errors.js';
import {
  byFailedAt,
  decodeFailure,
  type FailedMessage,
  type FailureFilter,
  isFiltered,
  matches,
  normalizeErrorId,
  sourceOf,
} from './failed-message.js';
import { replayGroup } from './replay.js';

/** Ids per delete request: keeps the URL short. */
const DELETE_BATCH = 100;

export interface ReplayOptions extends FailureFilter {
  /** Only these qdo_error ids (`p:hex`, as `FailedMessage.errorId`). */
  ids?: readonly string[];
  /** TTL in seconds of the replayed messages. Default: the server's (3 days). */
  ttl?: number;
}

/**
 * Tools for the qdo_error queue: list, show, replay and purge the failed
 * messages that `saveFailedMessage` kept.
 */
export class ErrorQueue {
  readonly #queuey: QueueyClient;

  constructor(queuey: QueueyClient) {
    this.#queuey = queuey;
  }

  /** qdo_error's partition count; 0 when the queue does not exist. */
  async #partitions(): Promise<number> {
    const [info] = await this.#queuey.listQueues({ details: true, offset: ERROR_QUEUE, limit: 1 });
    return info?.queue_name === ERROR_QUEUE ? (info.partitions ?? 1) : 0;
  }

  /** Every qdo_error message, all pages of all partitions, decoded where possible. */
  async *#raw(): AsyncGenerator<{ raw: Message; failure: FailedMessage | undefined }> {
    const partitions = await this.#partitions();
    for (let partition = 1; partition <= partitions; partition++) {
      for await (const raw of this.#queuey.iterateMessages(ERROR_QUEUE, { partition })) {
        yield { raw, failure: decodeFailure(raw) };
      }
    }
  }

  /**
   * Failed messages, partition by partition, oldest first within each.
   * `queue` keeps those from one queue (`Q`) or partition (`Q-N`), `error`
   * those of one error class. Entries that are not saved failures (posted
   * there by hand) are skipped.
   */
  async *list(filter: FailureFilter = {}): AsyncIterableIterator<FailedMessage> {
    for await (const { failure } of this.#raw()) {
      if (failure && matches(failure, filter)) yield failure;
    }
  }

  /** One failed message by its qdo_error id (`p:hex`); undefined when gone. */
  async show(errorId: MessageId): Promise<FailedMessage | undefined> {
    const id = normalizeErrorId(errorId);
    const [raw] = await this.#queuey.getMessages(ERROR_QUEUE, [id]);
    return raw ? decodeFailure(raw) : undefined;
  }

  /**
   * Posts failed messages back into their queue and partition, body as it
   * was, oldest first, and only then deletes them from qdo_error. A replay
   * cut short never loses a message; at worst one batch is in both places.
   */
  async replay(options: ReplayOptions = {}): Promise<{ replayed: number }> {
    const wanted = options.ids && new Set(options.ids.map(normalizeErrorId));
    const targets: FailedMessage[] = [];
    for await (const failure of this.list(options)) {
      if (!wanted || wanted.has(failure.errorId)) targets.push(failure);
    }
    targets.sort(byFailedAt);
    const groups = new Map<string, FailedMessage[]>();
    for (const failure of targets) {
      const queue = sourceOf(failure).queue;
      const group = groups.get(queue);
      if (group) group.push(failure);
      else groups.set(queue, [failure]);
    }
    let replayed = 0;
    for (const [queue, group] of groups) {
      try {
        await replayGroup(this.#queuey, queue, group, {
          ttl: options.ttl,
          posted: async (ids) => {
            await this.purgeIds(ids);
            replayed += ids.length;
          },
        });
      } catch (error) {
        throw new ReplayError(
          `replay into ${queue} stopped after ${replayed} message(s) in all: ` +
            `${error instanceof Error ? error.message : String(error)}. The rest are still in ` +
            'qdo_error; a batch posted but not yet deleted is in both places',
          { replayed, cause: error },
        );
      }
    }
    return { replayed };
  }

  /** Deletes failed messages (filters as in `list`); without a filter, everything in qdo_error. */
  async purge(filter: FailureFilter = {}): Promise<{ purged: number }> {
    const ids: string[] = [];
    for await (const { raw, failure } of this.#raw()) {
      const keep = isFiltered(filter) && !(failure && matches(failure, filter));
      if (!keep) ids.push(`${raw.partition}:${raw.message_id}`);
    }
    return this.purgeIds(ids);
  }

  /** Deletes the failed messages of these qdo_error ids (`p:hex`), e.g. one group's. */
  async purgeIds(ids: readonly string[]): Promise<{ purged: number }> {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      await this.#queuey.deleteMessages(ERROR_QUEUE, ids.slice(i, i + DELETE_BATCH));
    }
    return { purged: ids.length };
  }
}
