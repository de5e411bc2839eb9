/**
 * The `expired` extension (QUEUEY_API.md "Expired messages"): per partition,
 * how many messages the purge removed because their TTL ran out, and the
 * newest of them. Queuey otherwise drops unread messages without a trace.
 */
import type { Handler } from '../context.js';
import { ok } from '../context.js';
import { requireQueue } from './queues.js';

export const readExpired: Handler = async (context) => {
  const { state } = context;
  const queue = requireQueue(context);
  const tallies = await state.storage.expiredTallies(queue.application, queue.name);
  const byPartition = new Map(tallies.map((t) => [t.partition, t]));
  const partitions = [];
  for (let partition = 1; partition <= queue.partitions; partition++) {
    const tally = byPartition.get(partition);
    partitions.push({
      partition,
      expired_count: tally?.expiredCount ?? 0,
      last_expired_id: tally?.lastExpiredId ?? null,
    });
  }
  return ok({ partitions });
};
