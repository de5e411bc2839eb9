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

/**
 * Creates the bookkeeping queues (qdo_status and qdo_error, or `only` one of
 * them) that do not exist yet, with 7 partitions: the one place qdo makes
 * one. `existing` is what a caller that just listed every queue already
 * knows; without it each is looked up. An existing queue is never created
 * again: a create is an upsert, which would reset its partition count.
 */
export async function ensureBookkeepingQueues(
  queuey: QueueyClient,
  options: { existing?: ReadonlySet<string>; only?: typeof STATUS_QUEUE | typeof ERROR_QUEUE } = {},
): Promise<void> {
  for (const queueName of options.only ? [options.only] : [STATUS_QUEUE, ERROR_QUEUE]) {
    const exists = options.existing?.has(queueName) ?? (await queueExists(queuey, queueName));
    if (!exists) await queuey.createQueue({ queueName, partitions: BOOKKEEPING_PARTITIONS });
  }
}

/** True when queue `name` exists: one listing from it (the server's offset is inclusive). */
export async function queueExists(queuey: QueueyClient, name: string): Promise<boolean> {
  const [first] = await queuey.listQueues({ offset: name, limit: 1 });
  return first?.queue_name === name;
}
