import type { Logger } from './logger.js';
import type { Message, QueueyClient } from './queuey-types.js';

export type { Message };

/** What every hook call gets besides the message: where it runs and when to give up. */
export interface HookOptions {
  /**
   * Aborts when the job passed `job_timeout`, or when the worker stopped and
   * `shutdown_timeout` passed. Pass it on (fetch, timers) and give up soon
   * after it aborts: a job that ignores it past `abort_grace` marks its
   * partition stuck.
   */
  signal: AbortSignal;
  /** The partition name `Q-N`. */
  partition: string;
  logger: Logger;
  /**
   * 1 for the first run of this message, 2 for its first retry (`retries`),
   * ...; for job_failure, the number of runs that failed.
   */
  attempt: number;
  /** The worker's name (`<hostname>-<pid>[-name]`). */
  worker: string;
}

/** Processes one message. Anything thrown (except StopWorker) goes to job_failure. */
export type Job<C = unknown, B = string> = (
  message: Message<B>,
  context: C,
  options: HookOptions,
) => unknown;

/**
 * Processes up to `batch_size` consecutive messages of one partition, in
 * order (`job_batch`, instead of `job`). Returning marks them all processed,
 * except those named in a returned `{ failed }` (BatchResult), which go to
 * job_failure one by one. A throw (except StopWorker) fails the whole batch:
 * with `retries` left the batch runs again, else each message goes to
 * job_failure with the error.
 */
export type JobBatch<C = unknown, B = string> = (
  messages: Message<B>[],
  context: C,
  options: HookOptions,
) => unknown;

/**
 * What a batch hook may return to fail some of its messages. Each entry
 * names a message of the batch (the object or its `message_id`); `error`
 * is what job_failure gets (default: a BatchFailedError). Any other return
 * value (undefined, a count, `Promise.all`'s array) marks the whole batch
 * processed.
 */
export interface BatchResult<B = string> {
  failed: readonly { message: Message<B> | string; error?: unknown }[];
}

/**
 * What a job_failure hook is called with. `queue` is the partition name
 * `Q-N`; `options` is always given by the worker, optional so that a hook can
 * be called directly. One list for `JobFailure` and for hooks that are generic
 * over the body (`@qdo/failure`'s `FailureHook`).
 */
export type JobFailureArgs<C = unknown, B = string> = [
  message: Message<B>,
  context: C,
  queue: string,
  error: unknown,
  queuey: QueueyClient,
  options?: HookOptions,
];

/**
 * Called when a job threw. Returning marks the message processed; throwing
 * RetryLater retries this hook later; throwing anything else stops the worker
 * and leaves the message unprocessed.
 */
export type JobFailure<C = unknown, B = string> = (...args: JobFailureArgs<C, B>) => unknown;

/**
 * One-time setup and teardown around all jobs of a worker. In order of
 * preference: an async generator (`try { yield ctx } finally { teardown }`),
 * a sync generator, a function returning something with
 * `[Symbol.asyncDispose]`/`[Symbol.dispose]` (disposed at teardown), or a
 * function returning a plain context or a promise of one. Its `signal`
 * aborts when the worker stops.
 */
export type JobContext<C> = (options: {
  signal: AbortSignal;
}) => AsyncGenerator<C> | Generator<C> | C | Promise<C>;
