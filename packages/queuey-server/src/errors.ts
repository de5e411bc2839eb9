/**
 * The package's errors. One base class, each subclass with a stable string
 * `code`; callers check `code` or `name`, never the message, so two copies of
 * the package still agree.
 */
export class QueueyServerError extends Error {
  override readonly name: string = 'QueueyServerError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The `error_msg` object of an error answer. */
export type ErrorMessages = Record<string, string>;

/**
 * An answer other than success, raised inside request handling and turned
 * into `{"status":"error","error_msg":{...}}` with `status` in one place.
 */
export class HttpError extends QueueyServerError {
  override readonly name: string = 'HttpError';
  readonly status: number;
  readonly errorMsg: ErrorMessages;
  /** Extra response headers, e.g. `allow` on a 405. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorMsg: ErrorMessages,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(`HTTP_${status}`, Object.values(errorMsg).join('; '), { cause: options.cause });
    this.status = status;
    this.errorMsg = errorMsg;
    this.headers = options.headers ?? {};
  }
}

/** One problem of a config file, at file:line [section] key. */
export interface ConfigProblem {
  file: string;
  line?: number | undefined;
  section?: string | undefined;
  key?: string | undefined;
  message: string;
}

/**
 * A problem in the server's INI file or options; names file, section and key
 * (of the first problem; `problems` has every one of a file).
 */
export class ServerConfigError extends QueueyServerError {
  override readonly name: string = 'ServerConfigError';
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
    super('CONFIG_INVALID', message);
    this.file = where.file;
    this.section = where.section;
    this.key = where.key;
    this.problems = where.problems ?? [];
  }
}

/** Bad command-line usage: the CLI prints the message and exits with 2. */
export class UsageError extends QueueyServerError {
  override readonly name: string = 'UsageError';

  constructor(message: string) {
    super('USAGE', message);
  }
}

export function isQueueyServerError(error: unknown): error is QueueyServerError {
  return (
    error instanceof QueueyServerError ||
    (error instanceof Error &&
      typeof (error as { code?: unknown }).code === 'string' &&
      ['QueueyServerError', 'HttpError', 'ServerConfigError', 'UsageError'].includes(error.name))
  );
}

export const STORAGE_UNAVAILABLE_MESSAGE =
  'Back-end storage unavailable. If this is a queue request that includes counts, ' +
  'try omitting the count.';

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
};
