import { backoff as exponential } from '@qdo/common';
import type { Clock, HookOptions, Job, JobFailure } from '@qdo/core';
import { isStopWorker, StopWorker, systemClock, workerName } from '@qdo/core';
import { FailureOptionError } from './errors.js';
import { logFailure, sharedLogger } from './log-failure.js';

export interface RetryOptions<C, B> {
  /** How many more times the job runs after the failure that called us (0 = none). */
  attempts: number;
  /**
   * Milliseconds to wait before retry `attempt` (1-based): a number for a
   * fixed wait, or a function. Default: 1 s, 2 s, 4 s ... capped at 60 s,
   * each times a full jitter (uniform in [0, 1)), as `retries` in the config.
   */
  backoff?: number | ((attempt: number) => number);
  /** The job to run again; usually the worker's own job. */
  job: Job<C, B>;
  /** Gets the last error when every attempt failed. Default: `logFailure`. */
  then?: JobFailure<C, B>;
  /** Only `sleep` is used; tests pass a controllable clock. */
  clock?: Pick<Clock, 'sleep'>;
  /** Source of the default back-off's jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

function checkWait(ms: number, attempt: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new FailureOptionError(
      `retry backoff must give a wait of 0 or more milliseconds, got ${ms} for attempt ${attempt}`,
    );
  }
  return ms;
}

/**
 * A job_failure hook that runs the job again, up to `attempts` times with a
 * back-off, and hands the failure on to `then` (e.g. saveFailedMessage) only
 * when every attempt failed. The message is marked processed once this
 * returns, as with any job_failure. A retried job that throws StopWorker
 * stops the worker at once, leaving the message unprocessed.
 */
export function retry<C = unknown, B = string>(options: RetryOptions<C, B>): JobFailure<C, B> {
  const { attempts, job } = options;
  if (!Number.isInteger(attempts) || attempts < 0) {
    throw new FailureOptionError(`retry attempts must be a whole number >= 0, got ${attempts}`);
  }
  if (typeof job !== 'function') {
    throw new FailureOptionError('retry needs the job to run again: retry({ attempts, job })');
  }
  const random = options.random ?? Math.random;
  const backoff =
    options.backoff ??
    ((attempt: number) => exponential({ attempt, base: 1000, max: 60_000, random }));
  if (typeof backoff === 'number') checkWait(backoff, 1);
  const wait = typeof backoff === 'number' ? () => backoff : backoff;
  const then: JobFailure<C, B> = options.then ?? logFailure;
  const clock = options.clock ?? systemClock;

  return async (message, context, queue, error, queuey, hook) => {
    // The worker passes the hook options; a direct call gets a signal that never aborts.
    const given: HookOptions = hook ?? {
      signal: new AbortController().signal,
      partition: queue,
      // A direct call logs what the job and `then` say where logFailure does.
      logger: sharedLogger(),
      attempt: 1,
      worker: workerName(),
    };
    let last = error;
    let runs = given.attempt;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await clock.sleep(checkWait(wait(attempt), attempt), given.signal);
      // Stopping (or the shutdown timeout) ends the wait: the message stays unprocessed.
      if (given.signal.aborted) throw new StopWorker('stopped while waiting to retry');
      runs += 1;
      try {
        await job(message, context, { ...given, attempt: runs });
        return;
      } catch (next) {
        if (isStopWorker(next)) throw next;
        last = next;
      }
    }
    return then(message, context, queue, last, queuey, { ...given, attempt: runs });
  };
}
