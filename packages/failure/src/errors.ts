/**
 * The base of every error @qdo/failure throws on purpose. Check with
 * `isFailureError` (instanceof || name), never by message, so two copies of
 * the package still agree. Saving a failed message never throws one of
 * these: it throws @qdo/core's `RetryLater` instead, which the worker knows.
 */
export class QdoFailureError extends Error {
  override name = 'QdoFailureError';
  readonly code: string;

  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? 'QDO_FAILURE_ERROR';
  }
}

/** A bad option, caught where it is given (e.g. `retry({ attempts: -1 })`). */
export class FailureOptionError extends QdoFailureError {
  override name = 'FailureOptionError';
  constructor(message: string) {
    super(message, { code: 'QDO_FAILURE_BAD_OPTION' });
  }
}

/**
 * A replay that stopped part-way. Messages already replayed were posted to
 * their queue before being deleted from qdo_error, so none is lost.
 */
export class ReplayError extends QdoFailureError {
  override name = 'ReplayError';
  readonly replayed: number;
  constructor(message: string, options: { replayed: number; cause: unknown }) {
    super(message, { code: 'QDO_FAILURE_REPLAY', cause: options.cause });
    this.replayed = options.replayed;
  }
}

const names = new Set(['QdoFailureError', 'FailureOptionError', 'ReplayError']);

export function isFailureError(value: unknown): value is QdoFailureError {
  return value instanceof QdoFailureError || (value instanceof Error && names.has(value.name));
}
