import { CodedError, isCodedError, nameErrors } from '@qdo/common';

/** The codes of @qdo/failure's errors. */
export type FailureErrorCode =
  | 'QDO_FAILURE_ERROR'
  | 'QDO_FAILURE_BAD_OPTION'
  | 'QDO_FAILURE_REPLAY';

/**
 * The base of every error @qdo/failure throws on purpose. Check with
 * `isFailureError` (instanceof || name), never by message, so two copies of
 * the package still agree. Saving a failed message never throws one of
 * these: it throws @qdo/core's `RetryLater` instead, which the worker knows.
 */
export class QdoFailureError extends CodedError<FailureErrorCode> {
  static override readonly code: FailureErrorCode = 'QDO_FAILURE_ERROR';
}

/** A bad option, caught where it is given (e.g. `retry({ attempts: -1 })`). */
export class FailureOptionError extends QdoFailureError {
  static override readonly code = 'QDO_FAILURE_BAD_OPTION';
}

/**
 * A replay that stopped part-way. Messages already replayed were posted to
 * their queue before being deleted from qdo_error, so none is lost.
 */
export class ReplayError extends QdoFailureError {
  static override readonly code = 'QDO_FAILURE_REPLAY';
  readonly replayed: number;
  constructor(message: string, options: { replayed: number; cause: unknown }) {
    super(message, { cause: options.cause });
    this.replayed = options.replayed;
  }
}

const NAMES = nameErrors({ QdoFailureError, FailureOptionError, ReplayError });

export function isFailureError(value: unknown): value is QdoFailureError {
  return isCodedError(value, QdoFailureError, NAMES);
}
