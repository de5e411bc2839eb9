import { nameErrors } from '@qdo/common';
import { QdoError } from './errors.js';

export const RETRY_LATER = 'QDO_RETRY_LATER';

/**
 * Thrown by a job_failure hook that could not keep the message (e.g. the
 * error queue is unreachable). The message is not marked processed; the
 * worker backs off and calls job_failure again for it.
 */
export class RetryLater extends QdoError {
  static override readonly code = RETRY_LATER;
  constructor(message = 'job_failure asked to retry later', options?: { cause?: unknown }) {
    super(message, options);
  }
}

nameErrors({ RetryLater });

export function isRetryLater(value: unknown): value is RetryLater {
  return (
    value instanceof RetryLater ||
    (value instanceof Error &&
      (value.name === 'RetryLater' || (value as { code?: unknown }).code === RETRY_LATER))
  );
}
