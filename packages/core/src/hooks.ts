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
