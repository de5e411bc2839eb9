// One base class, checked by `instanceof || name` (see isQueueyError), so two
// copies of this package in one process still recognise each other's errors.
// No error keeps a Request, Response or headers: the app key must never be
// reachable from an error object, its JSON, its inspection or its stack.

export type QueueyErrorCode =
  | 'QUEUEY_ERROR'
  | 'INVALID_OPTIONS'
  | 'INVALID_ARGUMENT'
  | 'HTTP_ERROR'
  | 'BAD_RESPONSE'
  | 'CONNECTION_ERROR'
  | 'TIMEOUT';

const ERROR_NAMES = new Set([
  'QueueyError',
  'QueueyHTTPError',
  'QueueyBadResponseError',
  'QueueyConnectionError',
  'QueueyTimeoutError',
]);

export class QueueyError extends Error {
  override name = 'QueueyError';
  readonly code: QueueyErrorCode;

  constructor(message: string, options: { code?: QueueyErrorCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'QUEUEY_ERROR';
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

/** The server answered with a status outside 2xx. */
export class QueueyHTTPError extends QueueyError {
  override name = 'QueueyHTTPError';
  readonly status: number;
  /** The parsed `error_msg` of a Queuey error body, or undefined for other bodies. */
  readonly errorMsg: Record<string, unknown> | undefined;
  readonly method: string;
  readonly url: string;

  constructor(message: string, details: HttpErrorDetails) {
    super(message, { code: 'HTTP_ERROR' });
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
  override name = 'QueueyBadResponseError';
  readonly status: number;
  readonly method: string;
  readonly url: string;

  constructor(
    message: string,
    details: { status: number; method: string; url: string; cause?: unknown },
  ) {
    super(message, { code: 'BAD_RESPONSE', cause: details.cause });
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
  }
}

/** No server could be reached (after failover and retries), or a connection broke. */
export class QueueyConnectionError extends QueueyError {
  override name = 'QueueyConnectionError';
  readonly url: string | undefined;

  constructor(message: string, details: { url?: string; cause?: unknown }) {
    super(message, { code: 'CONNECTION_ERROR', cause: details.cause });
    this.url = details.url;
  }
}

/** No answer within `timeout` ms (plus any long-poll wait). */
export class QueueyTimeoutError extends QueueyError {
  override name = 'QueueyTimeoutError';
  readonly method: string;
  readonly url: string;
  readonly timeout: number;

  constructor(message: string, details: { method: string; url: string; timeout: number }) {
    super(message, { code: 'TIMEOUT' });
    this.method = details.method;
    this.url = details.url;
    this.timeout = details.timeout;
  }
}

export function isQueueyError(error: unknown): error is QueueyError {
  if (error instanceof QueueyError) return true;
  return (
    error instanceof Error &&
    ERROR_NAMES.has(error.name) &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
