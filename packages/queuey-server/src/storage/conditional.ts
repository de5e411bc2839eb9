/**
 * Conditional PUT of one message (extension `if-match`): a compare-and-set
 * on a message's ETag, so that a writer can tell whether someone else wrote
 * the message since it read it (qdo's status messages use it for fencing).
 */
import { createHash } from 'node:crypto';
import type { PutCondition, StoredMessage } from './types.js';

export type { ConditionalPutResult, PutCondition } from './types.js';

/**
 * A strong ETag (quotes included) from what a PUT writes: body, content type
 * and expiry. Every PUT sets a new expiry (now + ttl, in ms), so the ETag
 * changes with every write, not only when the body changes; no column needed.
 */
export function etagOf(message: Pick<StoredMessage, 'body' | 'contentType' | 'expiresAt'>): string {
  const hash = createHash('sha256')
    .update(message.body)
    .update('\0')
    .update(message.contentType ?? '')
    .update('\0')
    .update(String(message.expiresAt))
    .digest('base64url');
  return `"${hash.slice(0, 27)}"`;
}

/** Whether the live message found (undefined: none) satisfies the condition. */
export function conditionHolds(
  current: StoredMessage | undefined,
  condition: PutCondition,
): boolean {
  if (condition.ifNoneMatch && current) return false;
  if (condition.ifMatch === undefined) return true;
  if (!current) return false;
  return condition.ifMatch === '*' || condition.ifMatch === etagOf(current);
}
