import { QdoError } from './errors.js';

export const RETRY_LATER = 'QDO_RETRY_LATER';

/**
 * Thrown by a job_failure hook that could not keep the message (e.g. the
 * error queue is unreachable). The message is not marked processed; the
 * worker backs off and calls job_failure again for it.
 */
export class RetryLater extends QdoError {
  override name = 'RetryLater';
  constructor(message = 'job_failure asked to retry later', options?: { cause?: unknown }) {
    super(message, { code: RETRY_LATER, cause: options?.cause });
  }
}

export function isRetryLater(value: unknown): value is RetryLater {
  return (
    value instanceof RetryLater ||
    (value instanceof Error &&
      (value.name === 'RetryLater' || (value as { code?: unknown }).code === RETRY_LATER))
  );
}
