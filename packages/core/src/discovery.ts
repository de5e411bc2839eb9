import { BOOKKEEPING_PARTITIONS, ERROR_QUEUE, STATUS_QUEUE } from './constants.js';
import { partitionName } from './partition-name.js';
import type { QueueyClient } from './queuey-types.js';

const BOOKKEEPING = new Set([STATUS_QUEUE, ERROR_QUEUE]);

export function isBookkeepingQueue(queue: string): boolean {
  return BOOKKEEPING.has(queue);
}

/**
 * Lists every queue (every page) and expands each into partitions
 * `Q-1..Q-n`; qdo_status and qdo_error are never worked on.
 */
export async function discoverPartitions(
  queuey: QueueyClient,
): Promise<{ partitions: string[]; bookkeeping: Set<string> }> {
  const partitions: string[] = [];
  const bookkeeping = new Set<string>();
  for await (const queue of queuey.queues({ details: true })) {
    const name = queue.queue_name;
    if (isBookkeepingQueue(name)) {
      bookkeeping.add(name);
      continue;
    }
    for (let n = 1; n <= (queue.partitions ?? 1); n++) partitions.push(partitionName(name, n));
  }
  return { partitions, bookkeeping };
}

/** Creates qdo_status and qdo_error (7 partitions) when missing. */
export async function ensureBookkeepingQueues(
  queuey: QueueyClient,
  existing: ReadonlySet<string>,
): Promise<void> {
  for (const queueName of [STATUS_QUEUE, ERROR_QUEUE]) {
    if (!existing.has(queueName)) {
      await queuey.createQueue({ queueName, partitions: BOOKKEEPING_PARTITIONS });
    }
  }
}
