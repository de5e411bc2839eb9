/** The storage layer: the interface and its SQLite adapter (ids come from @qdo/common). */

export type { StorageErrorCode } from './errors.js';
export { isStorageError, StorageError } from './errors.js';
export type { SqliteStorageOptions } from './sqlite.js';
export { openSqliteStorage, SqliteStorage } from './sqlite.js';
export type * from './types.js';
