/** A batch of a partition's messages as read, and whether the server cut it. */
import type { Message } from './hooks.js';

/**
 * A batch as read. `cut`: the server's answer budget stopped it before its
 * limit with more stored (extension `partial`): short, yet not caught up.
 */
export type Batch = Message[] & { cut?: true };

/** `messages` as a Batch, marked cut when `cut`. */
export function batchOf(messages: Message[], cut: boolean): Batch {
  return cut ? Object.assign(messages, { cut: true as const }) : messages;
}

export function isCut(batch: readonly Message[]): boolean {
  return (batch as Batch).cut === true;
}
