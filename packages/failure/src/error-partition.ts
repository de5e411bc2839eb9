import { BOOKKEEPING_PARTITIONS } from '@qdo/core';

/** qdo_error's partition count, as every bookkeeping queue's. */
export const ERROR_PARTITIONS = BOOKKEEPING_PARTITIONS;

/** FNV-1a, 32 bit: a cheap, stable string hash (the same in every process). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The qdo_error partition for failures from partition `Q-N`. Consecutive
 * partitions of a queue go to consecutive error partitions (offset by a hash
 * of the queue name, so queues with few partitions don't all crowd into
 * partition 1), which spreads failures, while all failures of one source
 * partition share one error partition and so keep their order for replay.
 */
export function errorPartition(queue: string, partitions = ERROR_PARTITIONS): number {
  const dash = queue.lastIndexOf('-');
  const n = Number(queue.slice(dash + 1));
  if (dash <= 0 || !Number.isInteger(n) || n < 1) return (hash(queue) % partitions) + 1;
  return ((hash(queue.slice(0, dash)) + n - 1) % partitions) + 1;
}
