import { CodedError, isCodedError, nameErrors } from '@qdo/common';

/** The codes of @qdo/core's errors: switch on `error.code` with these. */
export type QdoErrorCode =
  | 'QDO_ERROR'
  | 'QDO_CONFIG'
  | 'QDO_JOB_TIMEOUT'
  | 'QDO_UNCLEAN_SHUTDOWN'
  | 'QDO_JOB_FAILURE'
  | 'QDO_CORRUPT_STATUS'
  | 'QDO_FENCED'
  | 'QDO_NON_ERROR'
  | 'QDO_RETRY_LATER'
  | 'QDO_STOP_WORKER'
  | 'QDO_STARTED'
  | 'QDO_BODY_PARSE'
  | 'QDO_BATCH_FAILED'
  | 'QDO_NOT_FOUND';

/**
 * The base of every error @qdo/core throws on purpose. Check with
 * `isQdoError` (instanceof || name), never by message, so two copies of the
 * package still agree.
 */
export class QdoError extends CodedError<QdoErrorCode> {
  static override readonly code: QdoErrorCode = 'QDO_ERROR';
}

/** Bad worker settings or options: says which one and what to fix. */
export class QdoConfigError extends QdoError {
  static override readonly code = 'QDO_CONFIG';
}

/** A job that did not finish within `jobTimeout` seconds: its signal aborted. */
export class JobTimeoutError extends QdoError {
  static override readonly code = 'QDO_JOB_TIMEOUT';
  readonly timeout: number;
  constructor(timeout: number, options?: { cause?: unknown }) {
    super(`job did not finish within ${timeout} s; its signal was aborted`, options);
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
  static override readonly code = 'QDO_UNCLEAN_SHUTDOWN';
  readonly unsaved: readonly Unsaved[];
  constructor(unsaved: readonly Unsaved[]) {
    const list = unsaved.map((u) => `${u.partition} (${u.reason})`).join(', ');
    super(`stopped without saving the position of ${list}; those messages will run again`);
    this.unsaved = unsaved;
  }
}

/** Raised by `work()` when a job_failure hook threw: the message stays unprocessed. */
export class JobFailureError extends QdoError {
  static override readonly code = 'QDO_JOB_FAILURE';
  readonly queue: string;
  readonly messageId: string;
  constructor({ queue, messageId, cause }: { queue: string; messageId: string; cause: unknown }) {
    const what = `job_failure threw for message ${messageId} in ${queue}`;
    super(`${what}; the worker stopped and left the message unprocessed`, { cause });
    this.queue = queue;
    this.messageId = messageId;
  }
}

/**
 * A partition's status message in qdo_status cannot be trusted (not JSON, no
 * usable `processed`, an id the server refuses): the partition waits for an
 * operator rather than replaying or skipping anything silently.
 */
export class CorruptStatusError extends QdoError {
  static override readonly code = 'QDO_CORRUPT_STATUS';
  readonly partition: string;
  readonly statusMessage: string;
  constructor(options: { partition: string; statusMessage: string; reason: string }) {
    const { partition, statusMessage, reason } = options;
    const status = `status of ${partition} (qdo_status message ${statusMessage})`;
    super(`${status} is corrupt: ${reason}; the partition waits until it is fixed (qdo seek)`);
    this.partition = partition;
    this.statusMessage = statusMessage;
  }
}

/**
 * A progress commit was refused because another owner has written the
 * partition's status since this worker claimed it (fencing): this worker no
 * longer owns the partition and must stop processing it.
 */
export class FencedError extends QdoError {
  static override readonly code = 'QDO_FENCED';
  readonly partition: string;
  constructor(partition: string) {
    super(`progress of ${partition} was taken over by another owner; this commit was dropped`);
    this.partition = partition;
  }
}

/**
 * A message body the worker's parser (`body = json`, or `parseBody`) refused:
 * the job did not run and the message goes to job_failure.
 */
export class BodyParseError extends QdoError {
  static override readonly code = 'QDO_BODY_PARSE';
  readonly partition: string;
  readonly messageId: string;
  constructor({
    partition,
    messageId,
    cause,
  }: { partition: string; messageId: string; cause: unknown }) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`body of message ${messageId} in ${partition} does not parse: ${reason}`, { cause });
    this.partition = partition;
    this.messageId = messageId;
  }
}

/**
 * A message a batch hook returned in `failed` without an error of its own,
 * or every message of a batch whose `failed` list was not a list of its
 * messages (then the whole batch failed).
 */
export class BatchFailedError extends QdoError {
  static override readonly code = 'QDO_BATCH_FAILED';
}

/** @qdo/core's error classes by name, so a second copy of the package still recognises them. */
const CORE_ERRORS: ReadonlySet<string> = new Set([
  ...nameErrors({
    QdoError,
    QdoConfigError,
    JobTimeoutError,
    UncleanShutdownError,
    JobFailureError,
    CorruptStatusError,
    FencedError,
    BodyParseError,
    BatchFailedError,
  }),
  // Named in their own files, which import this one.
  'RetryLater',
  'StopWorker',
]);

/**
 * An error @qdo/core threw on purpose: `instanceof || name`, never the code
 * prefix, so another package's `QDO_<PACKAGE>_` codes (cli, failure,
 * zookeeper, dashboard) are not mistaken for core's.
 */
export function isQdoError(value: unknown): value is QdoError {
  return isCodedError(value, QdoError, CORE_ERRORS);
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
