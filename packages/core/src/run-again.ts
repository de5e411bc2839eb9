import type { JobRunner, Outcome } from './job-runner.js';

/** What running a message (or a batch) again needs from its partition's loop. */
export interface RunAgainOptions {
  /** The partition's name. */
  partition: string;
  /** The partition's stop (or release): ends the wait. */
  signal: AbortSignal;
  /** Takes a job slot; false when stopped or the partition is no longer ours. */
  slot(): boolean | Promise<boolean>;
  /** Gives the slot back. */
  release(): void;
}

/** A job that failed with retries left: what it is (for the log) and how to run it again. */
export interface Retry {
  /** `message <id>`, or the batch's messages. */
  what: string;
  /** The message's id, for the log's `message_id` field (none for a batch). */
  messageId?: string;
  /** Runs it once more as run `attempt` (2 = the first retry). */
  run(attempt: number): Outcome | Promise<Outcome>;
}

/**
 * A failed job with retries left runs again after a wait, until it succeeds
 * or the last failure went to job_failure. The wait holds no job slot, so
 * other partitions go on; this one waits, so its order holds. A stop cuts
 * the wait short ('stop') and leaves the message (or batch) unprocessed.
 */
export async function runAgain<C, B>(
  jobs: JobRunner<C, B>,
  retry: Retry,
  o: RunAgainOptions,
): Promise<Outcome> {
  for (let attempt = 2; ; attempt++) {
    const where = { partition: o.partition, attempt: attempt - 1, messageId: retry.messageId };
    if (!(await jobs.waitToRetry(retry.what, where, o.signal))) return 'stop';
    if (!(await o.slot())) return 'stop';
    let outcome: Outcome;
    try {
      outcome = await retry.run(attempt);
    } finally {
      o.release();
    }
    if (outcome !== 'retry') return outcome;
  }
}
