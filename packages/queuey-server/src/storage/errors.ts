/**
 * Errors raised by a storage adapter, under the package's one base error.
 * Checked by `code` (or `name`), never by message, so two copies of the
 * package still agree.
 */
import { isCodedError, nameErrors } from '@qdo/common';
import { QueueyServerError, type StorageErrorCode } from '../errors.js';

export type { StorageErrorCode } from '../errors.js';

export class StorageError extends QueueyServerError<StorageErrorCode> {
  /**
   * The storage did not carry the request out and could do it a moment later
   * (its database is restarting or not answering): the HTTP layer answers 503,
   * which tells a client it may send the request again, to this server or another.
   */
  readonly transient: boolean;

  constructor(
    code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; transient?: boolean },
  ) {
    super(code, message, options);
    this.transient = options?.transient ?? false;
  }
}

const NAMES = nameErrors({ StorageError });

export function isStorageError(error: unknown): error is StorageError {
  return isCodedError(error, StorageError, NAMES);
}

/** A write to a queue that a concurrent delete removed: the HTTP layer answers 404. */
export function queueNotFound(application: string, queue: string): StorageError {
  return new StorageError(
    'QUEUEY_SERVER_QUEUE_NOT_FOUND',
    `queue ${JSON.stringify(queue)} of ${JSON.stringify(application)} does not exist (deleted meanwhile)`,
  );
}

/** Whether a write failed because the disk (or the database's size cap) is full (error-map.ts). */
export function isStorageFull(error: unknown): boolean {
  return isStorageError(error) && error.code === 'QUEUEY_SERVER_STORAGE_FULL';
}
