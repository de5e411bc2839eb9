import { BatchFailedError } from './errors.js';
import type { Message } from './hooks.js';

/** A message of a batch: as read, and as the hook got it (its body parsed). */
export interface Parsed<B> {
  message: Message;
  subject: Message<B>;
}

/** A batch in hand: what its next run gets, and what failed for good. */
export class BatchWork<B> {
  /** The messages the next run gets: all at first, after a failed run those that failed. */
  pending: readonly Message[];
  /** Failed for good (job_failure gets them, in order): as the hook got it, and the error. */
  readonly failed = new Map<Message, { subject: Message<B>; error: unknown }>();

  constructor(readonly messages: readonly Message[]) {
    this.pending = messages;
  }
}

/**
 * The messages a batch hook's return value names as failed, by their index
 * in `batch`. Only a `failed` property is looked at, so a hook that returns
 * whatever its last call returned marks its batch done. A `failed` that is
 * not a list of the batch's messages fails the whole batch: a hook's bug
 * must not pass for success.
 */
export function failedOf<B>(
  value: unknown,
  batch: readonly Message<B>[],
): { index: number; error: unknown }[] {
  if (typeof value !== 'object' || value === null || !('failed' in value)) return [];
  const failed = (value as { failed: unknown }).failed;
  if (failed === undefined || failed === null) return [];
  const all = (reason: string) => {
    const error = new BatchFailedError(`job_batch returned a bad failed list: ${reason}`);
    return batch.map((_, index) => ({ index, error }));
  };
  if (!Array.isArray(failed)) return all('expected { failed: [{ message, error }] }');
  const byId = new Map(batch.map((m, index) => [m.message_id, index]));
  const found = new Map<number, unknown>();
  for (const entry of failed as unknown[]) {
    const named = (entry as { message?: unknown } | null)?.message;
    const id = typeof named === 'string' ? named : (named as Message | undefined)?.message_id;
    const index = typeof id === 'string' ? byId.get(id) : undefined;
    if (index === undefined)
      return all(`${JSON.stringify(id ?? named ?? entry)} is not a message of this batch`);
    const error = (entry as { error?: unknown }).error;
    if (!found.has(index))
      found.set(index, error ?? new BatchFailedError('job_batch returned the message as failed'));
  }
  return [...found].sort(([a], [b]) => a - b).map(([index, error]) => ({ index, error }));
}
