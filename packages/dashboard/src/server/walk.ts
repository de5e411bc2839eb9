import { idTicks, timestampToTicks } from '@qdo/core';
import type { Message, QueueyClient } from '@qdo/queuey-client';

/** A place in a partition: order is by (time, then id), as the server orders messages. */
export interface Key {
  ticks: bigint;
  id: string;
}

export const keyOfId = (id: string): Key | undefined => {
  const ticks = idTicks(id);
  return ticks === undefined ? undefined : { ticks, id };
};
export const keyOf = (m: Message): Key => ({
  ticks: timestampToTicks(m.timestamp),
  id: m.message_id,
});
export const compare = (a: Key, b: Key): number =>
  a.ticks < b.ticks ? -1 : a.ticks > b.ticks ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export interface Walk {
  /** Messages after `from` up to and including `position`: processed since the last sample. */
  processed: number;
  /** Messages after `position`, counted up to the cap. */
  lag: number;
  /** More messages wait than `lag` says: the count stopped at the cap. */
  capped: boolean;
  /** Timestamp (ticks) of the oldest unprocessed message. */
  oldest: bigint | undefined;
  /** Ids of the unprocessed messages seen (up to the cap), to notice ones that vanish. */
  pending: Map<string, Key>;
  /** How far the walk saw: messages beyond it were not looked at. */
  reached: Key | undefined;
}

/**
 * One pass over a partition from the previous sample's position `from` on:
 * counts what was processed since (up to the new `position`) and what is
 * still waiting (the lag). One read serves both, so a sample costs as many
 * messages as moved plus the lag, capped.
 */
export async function walkPartition(
  queuey: QueueyClient,
  options: { queue: string; partition: number; from: string; position: string; cap: number },
): Promise<Walk> {
  const { queue, partition, from, position, cap } = options;
  const until = position ? keyOfId(position) : undefined;
  const walk: Walk = {
    processed: 0,
    lag: 0,
    capped: false,
    oldest: undefined,
    pending: new Map(),
    reached: undefined,
  };
  const pages = queuey.iterateMessages(queue, {
    partition,
    pageSize: 1000,
    ...(from ? { since: from } : {}),
  });
  for await (const m of pages) {
    const key = keyOf(m);
    const processed = until !== undefined && compare(key, until) <= 0;
    if (!processed && walk.lag === cap) {
      // One message beyond the cap: the lag is more than counted. Not looked at.
      walk.capped = true;
      break;
    }
    walk.reached = key;
    if (processed) {
      if (++walk.processed >= cap) {
        // Moved further than we count in one sample: report the cap, then measure the lag.
        const rest = await walkPartition(queuey, { ...options, from: position });
        return { ...rest, processed: walk.processed };
      }
      continue;
    }
    walk.oldest ??= key.ticks;
    walk.pending.set(m.message_id, key);
    walk.lag++;
  }
  return walk;
}
