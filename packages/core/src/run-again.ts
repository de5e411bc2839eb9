import type { Message } from './hooks.js';
import type { JobRunner, JobScope, Outcome } from './job-runner.js';
import type { PartitionState } from './partition-state.js';

/** What running a message again needs from its partition's loop. */
export interface RunAgainOptions<C> {
  context: C;
  state: PartitionState;
  scope: JobScope;
  /** The partition's stop (or release): ends the wait. */
  signal: AbortSignal;
  /** Takes a job slot; false when stopped or the partition is no longer ours. */
  slot(): boolean | Promise<boolean>;
  /** Gives the slot back. */
  release(): void;
}

/**
 * A failed job with retries left runs again after a wait, until it succeeds
 * or the last failure went to job_failure. The wait holds no job slot, so
 * other partitions go on; this one waits, so its order holds. A stop cuts
 * the wait short ('stop') and leaves the message unprocessed.
 */
export async function runAgain<C, B>(
  jobs: JobRunner<C, B>,
  message: Message<B>,
  o: RunAgainOptions<C>,
): Promise<Outcome> {
  for (let attempt = 2; ; attempt++) {
    const where = { partition: o.state.name, attempt: attempt - 1 };
    if (!(await jobs.waitToRetry(message, where, o.signal))) return 'stop';
    if (!(await o.slot())) return 'stop';
    let outcome: Outcome;
    try {
      outcome = await jobs.run(message, o.context, o.state, o.scope, attempt);
    } finally {
      o.release();
    }
    if (outcome !== 'retry') return outcome;
  }
}
