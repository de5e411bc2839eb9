import type { HookOptions } from '@qdo/core';
import type { Message, QueueyClient } from '@qdo/queuey-client';

/**
 * A job_failure hook that fits every `Worker<C, B>`: it reads only the
 * message's metadata, so it is generic rather than `JobFailure<unknown,
 * unknown>`, which would make TypeScript infer the worker's body type from
 * the hook instead of from the job.
 */
export type FailureHook = <C = unknown, B = unknown>(
  message: Message<B>,
  context: C,
  queue: string,
  error: unknown,
  queuey: QueueyClient,
  options?: HookOptions,
) => Promise<void>;
