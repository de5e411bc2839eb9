// One base class, checked by `instanceof || name` (see isQueueyError), so two
// copies of this package in one process still recognise each other's errors.
// No error keeps a Request, Response or headers: the app key must never be
// reachable from an error object, its JSON, its inspection or its stack.
import { CodedError, isCodedError, nameErrors } from '@qdo/common';

export type QueueyErrorCode =
  | 'QUEUEY_CLIENT_ERROR'
  | 'QUEUEY_CLIENT_INVALID_OPTIONS'
  | 'QUEUEY_CLIENT_INVALID_ARGUMENT'
  | 'QUEUEY_CLIENT_UNKNOWN_QUEUE'
  | 'QUEUEY_CLIENT_HTTP_ERROR'
  | 'QUEUEY_CLIENT_BAD_RESPONSE'
  | 'QUEUEY_CLIENT_CONNECTION_ERROR'
  | 'QUEUEY_CLIENT_TIMEOUT';

export class QueueyError extends CodedError<QueueyErrorCode> {
  static override readonly code: QueueyErrorCode = 'QUEUEY_CLIENT_ERROR';

  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

/** The server answered with a status outside 2xx. */
export class QueueyHTTPError extends QueueyError {
  static override readonly code = 'QUEUEY_CLIENT_HTTP_ERROR';
  readonly status: number;
  /** The parsed `error_msg` of a Queuey error body, or undefined for other bodies. */
  readonly errorMsg: Record<string, unknown> | undefined;
  readonly method: string;
  readonly url: string;

  constructor(message: string, details: HttpErrorDetails) {
    super(message);
    this.status = details.status;
    this.errorMsg = details.errorMsg;
    this.method = details.method;
    this.url = details.url;
  }
}

export interface HttpErrorDetails {
  status: number;
  errorMsg: Record<string, unknown> | undefined;
  method: string;
  url: string;
}

/** A 2xx answer that is not the JSON Queuey sends (an HTML page, cut-off JSON). */
export class QueueyBadResponseError extends QueueyError {
  static override readonly code = 'QUEUEY_CLIENT_BAD_RESPONSE';
  readonly status: number;
  readonly method: string;
  readonly url: string;

  constructor(
    message: string,
    details: { status: number; method: string; url: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
  }
}

/** No server could be reached (after failover and retries), or a connection broke. */
export class QueueyConnectionError extends QueueyError {
  static override readonly code = 'QUEUEY_CLIENT_CONNECTION_ERROR';
  readonly url: string | undefined;

  constructor(message: string, details: { url?: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.url = details.url;
  }
}

/** No answer within `timeout` ms (plus any long-poll wait). */
export class QueueyTimeoutError extends QueueyError {
  static override readonly code = 'QUEUEY_CLIENT_TIMEOUT';
  readonly method: string;
  readonly url: string;
  readonly timeout: number;

  constructor(message: string, details: { method: string; url: string; timeout: number }) {
    super(message);
    this.method = details.method;
    this.url = details.url;
    this.timeout = details.timeout;
  }
}

const ERROR_NAMES = nameErrors({
  QueueyError,
  QueueyHTTPError,
  QueueyBadResponseError,
  QueueyConnectionError,
  QueueyTimeoutError,
});

export function isQueueyError(error: unknown): error is QueueyError {
  return isCodedError(error, QueueyError, ERROR_NAMES);
}

/** The HTTP status of a QueueyHTTPError (also from another copy of this package), else undefined. */
export function httpStatus(error: unknown): number | undefined {
  if (!isQueueyError(error) || error.name !== 'QueueyHTTPError') return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The server did not answer, or answered as one that cannot serve now (5xx,
 * 429, 408): the same request may succeed later, so a worker backs off and
 * tries again. (Failing over to another server is narrower, see failures.ts:
 * a POST moves on only when the server cannot have taken it in.)
 */
export function isTransient(error: unknown): boolean {
  if (!isQueueyError(error)) return false;
  if (
    error.name === 'QueueyConnectionError' ||
    error.name === 'QueueyTimeoutError' ||
    error.name === 'QueueyBadResponseError'
  ) {
    return true;
  }
  const status = httpStatus(error);
  return status !== undefined && (status >= 500 || status === 429 || status === 408);
}

/** A conditional write lost: 412 Precondition Failed (`if-match` extension). */
export function isConflict(error: unknown): boolean {
  return httpStatus(error) === 412;
}

/** 404: the queue (or application) does not exist. */
export function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}
