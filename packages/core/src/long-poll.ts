import { idTicks, ticksToTimestamp } from '@qdo/common';
import { type Batch, batchOf } from './batch.js';
import { isOutage } from './outage.js';
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

/** A caught-up partition as the long-poll watches it: its position when the poll began. */
export interface Watched {
  readonly name: string;
  readonly queue: string;
  readonly partition: number;
  readonly position: string;
}

/** The probe's messages of one partition: its next batch, read after `after`. */
export interface Handed {
  batch: Batch;
  after: string;
}

interface Group {
  states: Watched[];
  /** Just after the newest processed message of the group's partitions. */
  since?: bigint;
}

/**
 * One probe per queue over its caught-up partitions (comma list): each read
 * empty after its position, so any message newer than the newest processed
 * one is new work; `since` is a time one tick after it, because an id as
 * `since` would match itself and return at once.
 */
function groups(states: readonly Watched[]): Map<string, Group> {
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
function isExact(state: Watched, since: bigint | undefined): boolean {
  if (since === undefined) return state.position === '';
  const ticks = state.position ? idTicks(state.position) : undefined;
  return ticks !== undefined && ticks + 1n === since;
}

/**
 * The partitions the probe found messages in, and those the server's answer
 * budget cut or left unread (`partial`: they are not caught up either). A
 * partition whose answer is exact (see isExact) gets the probe's messages of
 * it as its next batch, so its job starts without another read.
 */
function handOver(
  group: Group,
  found: readonly Message[],
  exact: boolean,
  partial: ReadonlySet<number>,
): [string, Handed | undefined][] {
  const woken: [string, Handed | undefined][] = [];
  for (const state of group.states) {
    const cut = partial.has(state.partition);
    const batch = found.filter((message) => message.partition === state.partition);
    if (batch.length === 0 && !cut) continue;
    const handed = batch.length > 0 && (exact || isExact(state, group.since));
    woken.push([
      state.name,
      handed ? { batch: batchOf(batch, cut), after: state.position } : undefined,
    ]);
  }
  return woken;
}

/**
 * The partitions a probe does not fully watch (see isExact): after a probe
 * that found nothing they read once more, so a message that arrived between
 * their own read and the probe is not left waiting.
 */
export function inexact(states: readonly Watched[]): Set<string> {
  const out = new Set<string>();
  for (const group of groups(states).values()) {
    for (const state of group.states) if (!isExact(state, group.since)) out.add(state.name);
  }
  return out;
}

/**
 * Holds reads with the server's `wait` until a message arrives in an owned
 * partition or the time passes. Resolves with the partitions messages
 * arrived in, by name (none: nothing arrived), each with its next batch where
 * the answer is exact. Only an outage is thrown; other failures count as
 * "nothing arrived".
 */
export async function longPoll(options: {
  queuey: QueueyClient;
  /** Read once, when the poll begins. */
  states: readonly Watched[];
  seconds: number;
  signal: AbortSignal;
  /** Messages per partition to ask for: the batch size. */
  limit: number;
  /** The server's multi-partition fetch (`positions`): every answer is exact. */
  fetch?: PositionsFetch;
}): Promise<Map<string, Handed | undefined>> {
  const done = new AbortController();
  const signal = AbortSignal.any([options.signal, done.signal]);
  const { limit, seconds: wait, fetch } = options;
  let outage: unknown;
  // A snapshot: a partition's answer is its next batch only after the position asked from.
  const states = options.states.map(({ name, queue, partition, position }) => ({
    name,
    queue,
    partition,
    position,
  }));
  const probes = [...groups(states)].map(async ([queue, group]) => {
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
  const woken = new Map((await Promise.all(probes)).flat());
  if (outage !== undefined && woken.size === 0) throw outage;
  return woken;
}
