import { idTicks, ticksToTimestamp } from '@qdo/common';
import { batchOf } from './batch.js';
import { isOutage } from './outage.js';
import type { PartitionState } from './partition-state.js';
import type { Message, QueueyClient } from './queuey-types.js';

/** `client.fetch` of the `positions` extension: the messages strictly after each position. */
export type PositionsFetch = (
  queue: string,
  options: {
    positions: { partition: number; after?: string }[];
    limit: number;
    wait: number;
    signal: AbortSignal;
    /** Extension `partial`: the partitions the server's answer budget cut or left unread. */
    onPartial?: (partitions: number[]) => void;
  },
) => Promise<Message[]>;

interface Group {
  states: PartitionState[];
  /** Just after the newest processed message of the group's partitions. */
  since?: bigint;
}

/**
 * One probe per queue over its caught-up partitions (comma list): each read
 * empty after its position, so any message newer than the newest processed
 * one is new work; `since` is a time one tick after it, because an id as
 * `since` would match itself and return at once.
 */
function groups(states: readonly PartitionState[]): Map<string, Group> {
  const byQueue = new Map<string, Group>();
  for (const state of states) {
    const group = byQueue.get(state.queue) ?? { states: [] };
    group.states.push(state);
    const ticks = state.position ? idTicks(state.position) : undefined;
    if (ticks !== undefined && (group.since === undefined || ticks >= group.since)) {
      group.since = ticks + 1n;
    }
    byQueue.set(state.queue, group);
  }
  return byQueue;
}

/**
 * Whether the probe's answer for this partition is exactly its next batch:
 * when `since` is one tick after the partition's own position (or there is
 * no position at all). A server orders times within a partition, not across
 * partitions (each partition has its own clock in PostgreSQL; several
 * servers may share a SQLite file), so for a partition behind the newest
 * position a message between its position and `since` may still arrive.
 */
function isExact(state: PartitionState, since: bigint | undefined): boolean {
  if (since === undefined) return state.position === '';
  const ticks = state.position ? idTicks(state.position) : undefined;
  return ticks !== undefined && ticks + 1n === since;
}

/**
 * Gives a caught-up partition whose answer is exact (see isExact) the
 * probe's messages of it as its next batch, so its job starts without
 * another read. Returns the partitions the probe found messages in, and
 * those the server's answer budget cut or left unread (`partial`): they
 * are not caught up either.
 */
function handOver(
  group: Group,
  found: readonly Message[],
  exact: boolean,
  partial: ReadonlySet<number>,
): string[] {
  const woken: string[] = [];
  for (const state of group.states) {
    const cut = partial.has(state.partition);
    const batch = found.filter((message) => message.partition === state.partition);
    if (batch.length === 0 && !cut) continue;
    woken.push(state.name);
    if (batch.length > 0 && (exact || isExact(state, group.since))) {
      state.handOver(batchOf(batch, cut));
    }
  }
  return woken;
}

/**
 * The partitions a probe does not fully watch (see isExact): after a probe
 * that found nothing they read once more, so a message that arrived between
 * their own read and the probe is not left waiting.
 */
export function inexact(states: readonly PartitionState[]): PartitionState[] {
  const out: PartitionState[] = [];
  for (const group of groups(states).values()) {
    out.push(...group.states.filter((state) => !isExact(state, group.since)));
  }
  return out;
}

/**
 * Holds reads with the server's `wait` until a message arrives in an owned
 * partition or the time passes. Resolves with the names of the partitions
 * messages arrived in (none: nothing arrived); where exact, what arrived is
 * their next batch. Only an outage is thrown; other failures count as
 * "nothing arrived".
 */
export async function longPoll(options: {
  queuey: QueueyClient;
  states: readonly PartitionState[];
  seconds: number;
  signal: AbortSignal;
  /** Messages per partition to ask for: the batch size. */
  limit: number;
  /** The server's multi-partition fetch (`positions`): every answer is exact. */
  fetch?: PositionsFetch;
}): Promise<Set<string>> {
  const done = new AbortController();
  const signal = AbortSignal.any([options.signal, done.signal]);
  const { limit, seconds: wait, fetch } = options;
  let outage: unknown;
  const probes = [...groups(options.states)].map(async ([queue, group]) => {
    const partial = new Set<number>();
    try {
      const found = fetch
        ? await fetch(queue, {
            positions: group.states.map((s) => ({
              partition: s.partition,
              after: s.position || undefined,
            })),
            ...{ limit, wait, signal },
            onPartial: (partitions) => {
              for (const partition of partitions) partial.add(partition);
            },
          })
        : await options.queuey.messages(queue, {
            partitions: group.states.map((state) => state.partition),
            since: group.since === undefined ? undefined : ticksToTimestamp(group.since),
            ...{ limit, wait, signal },
          });
      if (found.length > 0) done.abort();
      return handOver(group, found, fetch !== undefined, partial);
    } catch (error) {
      if (!signal.aborted && isOutage(error)) {
        outage ??= error;
        done.abort();
      }
      return [];
    }
  });
  const woken = new Set((await Promise.all(probes)).flat());
  if (outage !== undefined && woken.size === 0) throw outage;
  return woken;
}
