/** The storage layer: the interface, its SQLite adapter, and the id helpers it relies on. */

export type { GeneratedId, IdGenerator } from '../ids.js';
export {
  epochMsFromTime,
  formatTimestamp,
  isMessageId,
  isUuidHex,
  newIdGenerator,
  timeFromEpochMs,
  timeFromEpochSeconds,
  UUID_EPOCH_OFFSET,
  uuidFromTime,
  uuidTime,
} from '../ids.js';
export type { StorageErrorCode } from './errors.js';
export { isStorageError, StorageError } from './errors.js';
export { Notifier } from './notifier.js';
export type { SqliteStorageOptions } from './sqlite.js';
export { openSqliteStorage, SqliteStorage } from './sqlite.js';
export type { SynchronousMode } from './sqlite-schema.js';
export { SYNCHRONOUS_MODES } from './sqlite-schema.js';
export type * from './types.js';
