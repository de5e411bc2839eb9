import {
  BOOKKEEPING_TTL,
  newMessageId,
  parsePartition,
  STATUS_QUEUE,
  statusPartition,
} from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import { DashboardError } from './errors.js';
import { readStatus } from './status.js';

/** Where to move a partition: a message id, its first message or its newest. */
export type SeekTarget = { to: 'start' } | { to: 'end' } | { to: 'id'; id: string };

/**
 * Moves a work partition's position, as `qdo seek` does: overwrites its
 * status message in qdo_status (or writes the first one) with the new
 * `processed` id. The next worker that acquires the partition starts after
 * it; a worker holding the partition now commits over it, so stop that one
 * first (or rely on fencing once the server has `if-match`).
 */
export async function seekPartition(
  queuey: QueueyClient,
  options: { partition: string; target: SeekTarget; worker: string; now?: () => number },
): Promise<{ processed: string }> {
  const { queue, partition } = parsePartition(options.partition);
  const processed = await resolveTarget(queuey, { queue, partition, target: options.target });
  const known = (await readStatus(queuey)).get(options.partition);
  const id =
    known?.statusId ?? `${statusPartition(partition)}:${newMessageId((options.now ?? Date.now)())}`;
  const body = JSON.stringify({
    partition: options.partition,
    processed,
    last_worker: options.worker,
  });
  await queuey.putMessages(STATUS_QUEUE, [id], body, {
    ttl: BOOKKEEPING_TTL,
    contentType: 'application/json',
  });
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
  if (!/^[0-9a-f]{32}$/.test(id))
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
