/**
 * The package's errors. One base class, each subclass with a stable string
 * `code` (`QUEUEY_SERVER_*`, see QueueyServerErrorCode); callers check `code`
 * or `name`, never the message, so two copies of the package still agree.
 * The codes never reach the wire: an HttpError answers with the documented
 * `{"status":"error","error_msg":{...}}` body alone.
 */
import { CodedError, type ConfigProblem, isCodedError, nameErrors } from '@qdo/common';

/** The codes of a storage adapter's StorageError. */
export type StorageErrorCode =
  | 'QUEUEY_SERVER_INVALID_MESSAGE_ID'
  | 'QUEUEY_SERVER_QUEUE_NOT_FOUND'
  | 'QUEUEY_SERVER_SCHEMA_UNSUPPORTED'
  | 'QUEUEY_SERVER_STORAGE_CLOSED'
  | 'QUEUEY_SERVER_STORAGE_FULL'
  | 'QUEUEY_SERVER_STORAGE_UNAVAILABLE';

export type QueueyServerErrorCode =
  | `QUEUEY_SERVER_HTTP_${number}`
  | 'QUEUEY_SERVER_CONFIG_INVALID'
  | 'QUEUEY_SERVER_USAGE'
  | 'QUEUEY_SERVER_PG_MISSING'
  | StorageErrorCode;

export class QueueyServerError<
  Code extends QueueyServerErrorCode = QueueyServerErrorCode,
> extends CodedError<Code> {
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, { code, cause: options?.cause });
  }
}

/** The `error_msg` object of an error answer. */
export type ErrorMessages = Record<string, string>;

/**
 * An answer other than success, raised inside request handling and turned
 * into `{"status":"error","error_msg":{...}}` with `status` in one place.
 */
export class HttpError extends QueueyServerError {
  readonly status: number;
  readonly errorMsg: ErrorMessages;
  /** Extra response headers, e.g. `allow` on a 405. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorMsg: ErrorMessages,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(`QUEUEY_SERVER_HTTP_${status}`, Object.values(errorMsg).join('; '), {
      cause: options.cause,
    });
    this.status = status;
    this.errorMsg = errorMsg;
    this.headers = options.headers ?? {};
  }
}

/**
 * A problem in the server's INI file or options; names file, section and key
 * (of the first problem; `problems` has every one of a file).
 */
export class ServerConfigError extends QueueyServerError {
  readonly file: string | undefined;
  readonly section: string | undefined;
  readonly key: string | undefined;
  readonly problems: readonly ConfigProblem[];

  constructor(
    message: string,
    where: {
      file?: string | undefined;
      section?: string | undefined;
      key?: string | undefined;
      problems?: readonly ConfigProblem[];
    } = {},
  ) {
    super('QUEUEY_SERVER_CONFIG_INVALID', message);
    this.file = where.file;
    this.section = where.section;
    this.key = where.key;
    this.problems = where.problems ?? [];
  }
}

/** Bad command-line usage: the CLI prints the message and exits with 2. */
export class UsageError extends QueueyServerError {
  constructor(message: string) {
    super('QUEUEY_SERVER_USAGE', message);
  }
}

const NAMES: ReadonlySet<string> = new Set([
  ...nameErrors({ QueueyServerError, HttpError, ServerConfigError, UsageError }),
  // Named in storage/errors.ts, which imports this file.
  'StorageError',
]);

export function isQueueyServerError(error: unknown): error is QueueyServerError {
  return isCodedError(error, QueueyServerError, NAMES);
}

export const STORAGE_UNAVAILABLE_MESSAGE =
  'Back-end storage unavailable. If this is a queue request that includes counts, ' +
  'try omitting the count.';

export const STORAGE_FULL_MESSAGE =
  "The server's storage is full: nothing was written. Try again once space has been freed.";

/**
 * The answer to a failed storage call, from its StorageError (storage/errors.ts)
 * alone: a queue deleted between the lookup and the write is missing (404), as
 * if the lookup had lost; a full disk is 507; storage that did nothing and may
 * work on a retry is 503; anything else 500.
 */
export function storageHttpError(error: { code: string; transient?: boolean }): HttpError {
  switch (error.code) {
    case 'QUEUEY_SERVER_QUEUE_NOT_FOUND':
      return errors.notFound('InvalidQueueName', 'Queue of that name was not found.');
    case 'QUEUEY_SERVER_STORAGE_FULL':
      return errors.storageFull();
    default:
      return error.transient ? errors.storageTransient(error) : errors.storage(error);
  }
}

export const errors = {
  badRequest: (errorMsg: ErrorMessages) => new HttpError(400, errorMsg),
  unauthorized: () => new HttpError(401, { InvalidApplicationKey: 'Invalid application key' }),
  forbidden: () => new HttpError(403, { AccessDenied: 'Access was denied to this resource.' }),
  notFound: (key: string, message: string) => new HttpError(404, { [key]: message }),
  tooLarge: (limit: number) =>
    new HttpError(413, {
      body: `The request body is larger than the limit of ${limit} bytes.`,
    }),
  storage: (cause: unknown) =>
    new HttpError(500, { storage: STORAGE_UNAVAILABLE_MESSAGE }, { cause }),
  // 507 Insufficient Storage: no cause, so it is not logged per request (the episode is, once).
  storageFull: () => new HttpError(507, { storage: STORAGE_FULL_MESSAGE }),
  /** Storage that did nothing and may work on a retry (see StorageError.transient). */
  storageTransient: (cause: unknown) =>
    new HttpError(
      503,
      { storage: STORAGE_UNAVAILABLE_MESSAGE },
      { cause, headers: { 'retry-after': '1' } },
    ),
};
