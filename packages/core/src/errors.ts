/**
 * The base of every error @qdo/core throws on purpose. Check with
 * `isQdoError` (instanceof || name), never by message, so two copies of the
 * package still agree.
 */
export class QdoError extends Error {
  override name = 'QdoError';
  readonly code: string;

  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? 'QDO_ERROR';
  }
}

/** Bad worker settings or options: says which one and what to fix. */
export class QdoConfigError extends QdoError {
  override name = 'QdoConfigError';
  constructor(message: string) {
    super(message, { code: 'QDO_CONFIG' });
  }
}

/** A job that did not settle within `jobTimeout` seconds. */
export class JobTimeoutError extends QdoError {
  override name = 'JobTimeoutError';
  readonly timeout: number;
  constructor(timeout: number) {
    super(`job did not finish within ${timeout} s; its promise was abandoned`, {
      code: 'QDO_JOB_TIMEOUT',
    });
    this.timeout = timeout;
  }
}

/** Raised by `work()` when a job_failure hook threw: the message stays unprocessed. */
export class JobFailureError extends QdoError {
  override name = 'JobFailureError';
  readonly queue: string;
  readonly messageId: string;
  constructor(options: { queue: string; messageId: string; cause: unknown }) {
    super(
      `job_failure threw for message ${options.messageId} in ${options.queue}; ` +
        'the worker stopped and left the message unprocessed',
      { code: 'QDO_JOB_FAILURE', cause: options.cause },
    );
    this.queue = options.queue;
    this.messageId = options.messageId;
  }
}

export function isQdoError(value: unknown): value is QdoError {
  if (value instanceof QdoError) return true;
  const code = (value as { code?: unknown } | null)?.code;
  return value instanceof Error && typeof code === 'string' && code.startsWith('QDO_');
}

/**
 * Anything thrown that is not an Error becomes one here, where it enters our
 * code, keeping the original value as `cause`.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return new QdoError(`non-Error thrown: ${text}`, { code: 'QDO_NON_ERROR', cause: value });
}
