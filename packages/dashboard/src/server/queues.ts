import type { QueueyClient } from '@qdo/queuey-client';
import { DashboardError } from './errors.js';

/**
 * Checks that `queue` exists and has `partition`, so that a user's typo is
 * answered as such (404, 400) before Queuey is asked to act on it. Returns
 * the queue's partition count.
 */
export async function checkPartition(
  queuey: QueueyClient,
  queue: string,
  partition?: number,
): Promise<number> {
  // The server's offset is inclusive: the first queue listed from `queue` is it, if it exists.
  const [info] = await queuey.listQueues({ details: true, offset: queue, limit: 1 });
  if (info?.queue_name !== queue)
    throw new DashboardError(`there is no queue "${queue}"`, 'QDO_DASHBOARD_NOT_FOUND');
  const partitions = info.partitions ?? 1;
  if (partition !== undefined && partition > partitions)
    throw new DashboardError(
      `"${queue}" has ${partitions} partition${partitions === 1 ? '' : 's'}: there is no partition ${partition}`,
      'QDO_DASHBOARD_BAD_REQUEST',
    );
  return partitions;
}
