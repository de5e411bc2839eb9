/**
 * Errors raised by a storage adapter, under the package's one base error.
 * Checked by `code` (or `name`), never by message, so two copies of the
 * package still agree.
 */
import { QueueyServerError } from '../errors.js';

export type StorageErrorCode =
  | 'INVALID_MESSAGE_ID'
  | 'QUEUE_NOT_FOUND'
  | 'SCHEMA_UNSUPPORTED'
  | 'STORAGE_CLOSED'
  | 'STORAGE_UNAVAILABLE';

export class StorageError extends QueueyServerError {
  override readonly name: string = 'StorageError';
  declare readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function isStorageError(error: unknown): error is StorageError {
  return (
    error instanceof StorageError ||
    (error instanceof Error &&
      error.name === 'StorageError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}

/** A write to a queue that a concurrent delete removed: the HTTP layer answers 404. */
export function queueNotFound(application: string, queue: string): StorageError {
  return new StorageError(
    'QUEUE_NOT_FOUND',
    `queue ${JSON.stringify(queue)} of ${JSON.stringify(application)} does not exist (deleted meanwhile)`,
  );
}
