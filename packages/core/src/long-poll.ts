import { idTicks, ticksToTimestamp } from './ids.js';
import { isOutage } from './outage.js';
import type { PartitionState } from './partition-runner.js';
import type { QueueyClient } from './queuey-types.js';

interface Group {
  partitions: number[];
  /** Just after the newest processed message of the group's partitions. */
  since?: bigint;
}

/**
 * One probe per queue over its owned partitions (comma list). Called only
 * when every owned partition is caught up, so any message newer than the
 * newest processed one is new work; `since` is a time one tick after it,
 * because an id as `since` would match itself and return at once.
 */
function groups(states: readonly PartitionState[]): Map<string, Group> {
  const byQueue = new Map<string, Group>();
  for (const state of states) {
    const group = byQueue.get(state.queue) ?? { partitions: [] };
    group.partitions.push(state.partition);
    const ticks = state.position ? idTicks(state.position) : undefined;
    if (ticks !== undefined && (group.since === undefined || ticks >= group.since)) {
      group.since = ticks + 1n;
    }
    byQueue.set(state.queue, group);
  }
  return byQueue;
}

/**
 * Holds reads with the server's `wait` until a message arrives in an owned
 * partition (true) or the time passes (false). Only an outage is thrown;
 * other failures count as "nothing arrived".
 */
export async function longPoll(options: {
  queuey: QueueyClient;
  states: readonly PartitionState[];
  seconds: number;
  signal: AbortSignal;
}): Promise<boolean> {
  const done = new AbortController();
  const signal = AbortSignal.any([options.signal, done.signal]);
  let outage: unknown;
  const probes = [...groups(options.states)].map(async ([queue, group]) => {
    try {
      const found = await options.queuey.messages(queue, {
        partitions: group.partitions,
        since: group.since === undefined ? undefined : ticksToTimestamp(group.since),
        limit: 1,
        wait: options.seconds,
        signal,
      });
      if (found.length > 0) done.abort();
      return found.length > 0;
    } catch (error) {
      if (!signal.aborted && isOutage(error)) {
        outage ??= error;
        done.abort();
      }
      return false;
    }
  });
  const results = await Promise.all(probes);
  if (outage !== undefined && !results.some(Boolean)) throw outage;
  return results.some(Boolean);
}
