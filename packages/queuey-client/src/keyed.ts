import { QueueyError } from './errors.js';
import { partitionForKey } from './key-partition.js';
import type { PartitionCounts } from './partition-counts.js';

interface Placeable {
  key?: string;
  partition?: number;
}

/** Key and partition both given, or a key that is no string: an error before any request. */
export function checkKeys(messages: readonly Placeable[], where: (index: number) => string): void {
  messages.forEach((message, index) => {
    if (message.key === undefined) return;
    if (message.partition !== undefined) {
      throw new QueueyError(
        `${where(index)} has both key and partition: give one (the key chooses the partition)`,
        { code: 'QUEUEY_CLIENT_INVALID_ARGUMENT' },
      );
    }
    if (typeof message.key !== 'string') {
      throw new QueueyError(`${where(index)} has a key that is not a string`, {
        code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
      });
    }
  });
}

/**
 * Sends the messages with each key turned into its partition (the queue's
 * count asked only when some message has a key). A failed keyed send asks
 * the count again next time: the queue may have changed.
 */
export async function sendPlaced<M extends Placeable, R>(
  counts: PartitionCounts,
  post: { queue: string; messages: readonly M[]; send: (placed: readonly M[]) => Promise<R> },
): Promise<R> {
  const { placed, keyed } = await placeKeys(post.queue, post.messages, counts);
  try {
    return await post.send(placed);
  } catch (error) {
    if (keyed) counts.forget(post.queue);
    throw error;
  }
}

async function placeKeys<M extends Placeable>(
  queue: string,
  messages: readonly M[],
  counts: PartitionCounts,
): Promise<{ placed: readonly M[]; keyed: boolean }> {
  if (!messages.some((message) => message.key !== undefined)) {
    return { placed: messages, keyed: false };
  }
  const partitions = await counts.get(queue);
  const placed = messages.map((message) =>
    message.key === undefined
      ? message
      : { ...message, partition: partitionForKey(message.key, partitions) },
  );
  return { placed, keyed: true };
}
