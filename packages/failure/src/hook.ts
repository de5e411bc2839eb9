import type { JobFailureArgs } from '@qdo/core';

/**
 * A job_failure hook that fits every `Worker<C, B>`: it reads only the
 * message's metadata, so it is generic rather than `JobFailure<unknown,
 * unknown>`, which would make TypeScript infer the worker's body type from
 * the hook instead of from the job.
 */
export type FailureHook = <C = unknown, B = unknown>(
  ...args: JobFailureArgs<C, B>
) => Promise<void>;
