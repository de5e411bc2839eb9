import type { Message } from '@qdo/queuey-client';
import { type FailureInfo, readFailureInfo } from './failure-info.js';

/** One entry of qdo_error, decoded. */
export interface FailedMessage {
  /** Its id in qdo_error, `partition:hex`: what `show`, `replay` and `purge` take. */
  errorId: string;
  /** The partition it failed in, `Q-N`. */
  queue: string;
  /** The message as the job saw it (without the added `queue` field). */
  message: Message<unknown>;
  /** When it was saved: the qdo_error message's timestamp (epoch seconds, 7 decimals). */
  failedAt: string;
  /** Why it failed; undefined for failures saved by older versions (and the original). */
  error?: FailureInfo;
}

/** What `list`, `replay` and `purge` keep. */
export interface FailureFilter {
  /** Only failures from this queue (`Q`) or partition (`Q-N`). */
  queue?: string | undefined;
  /** Only failures whose error has this class name (e.g. `TypeError`). */
  error?: string | undefined;
}

const PARTITION_NAME = /^(.+)-([1-9]\d*)$/;

/** Decodes a qdo_error message; undefined when it is not a saved failure. */
export function decodeFailure(raw: Message<unknown>): FailedMessage | undefined {
  if (typeof raw.body !== 'string') return undefined;
  let saved: unknown;
  try {
    saved = JSON.parse(raw.body);
  } catch {
    return undefined;
  }
  if (typeof saved !== 'object' || saved === null) return undefined;
  const { queue, error, ...message } = saved as Record<string, unknown>;
  if (typeof queue !== 'string' || !PARTITION_NAME.test(queue)) return undefined;
  if (typeof message.message_id !== 'string' || !('body' in message)) return undefined;
  const info = readFailureInfo(error);
  return {
    errorId: `${raw.partition}:${raw.message_id}`,
    queue,
    message: message as unknown as Message<unknown>,
    failedAt: raw.timestamp,
    ...(info ? { error: info } : {}),
  };
}

/** Splits `Q-N` at the last dash. */
export function sourceOf(failure: FailedMessage): { queue: string; partition: number } {
  const [, queue = '', partition = '1'] = PARTITION_NAME.exec(failure.queue) ?? [];
  return { queue, partition: Number(partition) };
}

/**
 * A filter matches a partition exactly (`Q-N`) or every partition of a
 * queue (`Q`). `a-1` matches both partition 1 of `a` and all of queue `a-1`:
 * queue names may contain dashes, and both readings are what the user typed.
 */
function fromQueue(failure: FailedMessage, queue: string | undefined): boolean {
  return queue === undefined || failure.queue === queue || sourceOf(failure).queue === queue;
}

/** Whether a failure passes every filter given; an old one without `error` fails an error filter. */
export function matches(failure: FailedMessage, filter: FailureFilter): boolean {
  const { queue, error } = filter;
  return fromQueue(failure, queue) && (error === undefined || failure.error?.name === error);
}

/** Whether `filter` keeps only some failures. */
export function isFiltered(filter: FailureFilter): boolean {
  return filter.queue !== undefined || filter.error !== undefined;
}

/** `p:hex` for an id given as `hex` (partition 1), `p:hex` or `{partition, id}`. */
export function normalizeErrorId(id: string | { partition: number; id: string }): string {
  if (typeof id !== 'string') return `${id.partition}:${id.id}`;
  return id.includes(':') ? id : `1:${id}`;
}

/** Epoch-seconds decimal as an exact integer of 100 ns units (never through a double). */
function ticks(timestamp: string): bigint {
  const [whole = '0', fraction = ''] = timestamp.split('.');
  return BigInt(whole + fraction.padEnd(7, '0').slice(0, 7));
}

/** Orders by failure time, oldest first. */
export function byFailedAt(a: FailedMessage, b: FailedMessage): number {
  const x = ticks(a.failedAt);
  const y = ticks(b.failedAt);
  return x < y ? -1 : x > y ? 1 : 0;
}
