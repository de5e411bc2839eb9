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

/** A job that did not finish within `jobTimeout` seconds: its signal aborted. */
export class JobTimeoutError extends QdoError {
  override name = 'JobTimeoutError';
  readonly timeout: number;
  constructor(timeout: number, options?: { cause?: unknown }) {
    super(`job did not finish within ${timeout} s; its signal was aborted`, {
      code: 'QDO_JOB_TIMEOUT',
      cause: options?.cause,
    });
    this.timeout = timeout;
  }
}

/** What a stop could not save: a partition and why its progress is behind. */
export interface Unsaved {
  partition: string;
  /** 'commit failed' (finished messages whose position was not saved) or 'job did not settle'. */
  reason: string;
}

/**
 * work() after a stop that did not end cleanly: some finished messages'
 * positions were not saved, or a job never settled. Those messages run again.
 */
export class UncleanShutdownError extends QdoError {
  override name = 'UncleanShutdownError';
  readonly unsaved: readonly Unsaved[];
  constructor(unsaved: readonly Unsaved[]) {
    const list = unsaved.map((u) => `${u.partition} (${u.reason})`).join(', ');
    super(`stopped without saving the position of ${list}; those messages will run again`, {
      code: 'QDO_UNCLEAN_SHUTDOWN',
    });
    this.unsaved = unsaved;
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

/**
 * A partition's status message in qdo_status cannot be trusted (not JSON, no
 * usable `processed`, an id the server refuses): the partition waits for an
 * operator rather than replaying or skipping anything silently.
 */
export class CorruptStatusError extends QdoError {
  override name = 'CorruptStatusError';
  readonly partition: string;
  readonly statusMessage: string;
  constructor(options: { partition: string; statusMessage: string; reason: string }) {
    super(
      `status of ${options.partition} (qdo_status message ${options.statusMessage}) is corrupt: ` +
        `${options.reason}; the partition waits until it is fixed (qdo seek)`,
      { code: 'QDO_CORRUPT_STATUS' },
    );
    this.partition = options.partition;
    this.statusMessage = options.statusMessage;
  }
}

/**
 * A progress commit was refused because another owner has written the
 * partition's status since this worker claimed it (fencing): this worker no
 * longer owns the partition and must stop processing it.
 */
export class FencedError extends QdoError {
  override name = 'FencedError';
  readonly partition: string;
  constructor(partition: string) {
    super(`progress of ${partition} was taken over by another owner; this commit was dropped`, {
      code: 'QDO_FENCED',
    });
    this.partition = partition;
  }
}

/** @qdo/core's error classes by name, so a second copy of the package still recognises them. */
const CORE_ERRORS = new Set([
  'QdoError',
  'QdoConfigError',
  'JobTimeoutError',
  'UncleanShutdownError',
  'JobFailureError',
  'CorruptStatusError',
  'FencedError',
  'RetryLater',
  'StopWorker',
]);

/**
 * An error @qdo/core threw on purpose: `instanceof || name`, never the code
 * prefix, so another package's `QDO_<PACKAGE>_` codes (cli, failure,
 * zookeeper, dashboard) are not mistaken for core's.
 */
export function isQdoError(value: unknown): value is QdoError {
  if (value instanceof QdoError) return true;
  return value instanceof Error && CORE_ERRORS.has(value.name);
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
