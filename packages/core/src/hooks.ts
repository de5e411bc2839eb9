import type { Message, QueueyClient } from './queuey-types.js';

export type { Message };

/** Processes one message. Anything thrown (except StopWorker) goes to job_failure. */
export type Job<C = unknown, B = string> = (message: Message<B>, context: C) => unknown;

/**
 * Called when a job threw. `queue` is the partition name `Q-N`. Returning
 * marks the message processed; throwing RetryLater retries this hook later;
 * throwing anything else stops the worker and leaves the message unprocessed.
 */
export type JobFailure<C = unknown, B = string> = (
  message: Message<B>,
  context: C,
  queue: string,
  error: unknown,
  queuey: QueueyClient,
) => unknown;

/**
 * One-time setup and teardown around all jobs of a worker. In order of
 * preference: an async generator (`try { yield ctx } finally { teardown }`),
 * a sync generator, a function returning something with
 * `[Symbol.asyncDispose]`/`[Symbol.dispose]` (disposed at teardown), or a
 * function returning a plain context or a promise of one.
 */
export type JobContext<C> = () => AsyncGenerator<C> | Generator<C> | C | Promise<C>;
