import { isUuidHex } from '@qdo/common';
import { BOOKKEEPING_PARTITIONS, parsePartition, STATUS_QUEUE } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import { DashboardError } from './errors.js';
import { checkPartition } from './queues.js';
import { progressStore } from './status.js';

/** Where to move a partition: a message id, its first message or its newest. */
export type SeekTarget = { to: 'start' } | { to: 'end' } | { to: 'id'; id: string };

/**
 * Moves a work partition's position with core's ProgressStore.seek, as
 * `qdo seek` does: the worker holding the partition is fenced (its next
 * commit is refused) and starts again from the new position.
 */
export async function seekPartition(
  queuey: QueueyClient,
  options: { partition: string; target: SeekTarget; worker: string },
): Promise<{ processed: string }> {
  const { queue, partition } = parsePartition(options.partition);
  await checkPartition(queuey, queue, partition);
  const processed = await resolveTarget(queuey, { queue, partition, target: options.target });
  const queues = await queuey.listQueues({ offset: STATUS_QUEUE, limit: 1 });
  if (queues[0]?.queue_name !== STATUS_QUEUE)
    await queuey.createQueue({ queueName: STATUS_QUEUE, partitions: BOOKKEEPING_PARTITIONS });
  await progressStore(queuey, options.worker).seek(options.partition, processed);
  return { processed };
}

async function resolveTarget(
  queuey: QueueyClient,
  { queue, partition, target }: { queue: string; partition: number; target: SeekTarget },
): Promise<string> {
  if (target.to === 'start') return '';
  if (target.to === 'end') {
    const [newest] = await queuey.messages(queue, { partition, order: 'descending', limit: 1 });
    return newest?.message_id ?? '';
  }
  const id = target.id.replace(/-/g, '').toLowerCase();
  if (!isUuidHex(id))
    throw new DashboardError(
      `"${target.id}" is not a message id (32 hex digits)`,
      'QDO_DASHBOARD_BAD_REQUEST',
    );
  const [found] = await queuey.getMessages(queue, [{ partition, id }]);
  if (!found)
    throw new DashboardError(
      `no message ${id} in ${queue}-${partition}`,
      'QDO_DASHBOARD_NOT_FOUND',
    );
  return id;
}
