/**
 * The one translation of what a database driver threw into the package's
 * StorageError, for both adapters; the write layer (write-layer.ts) applies
 * it to every call, and the HTTP answer follows from the code alone
 * (`storageHttpError` in ../errors.ts).
 *
 * - disk full (SQLite's SQLITE_FULL, PostgreSQL's SQLSTATE 53100):
 *   QUEUEY_SERVER_STORAGE_FULL (507);
 * - nothing was done and a moment later it may work (SQLite's lock held by
 *   another process past `busyTimeout`; PostgreSQL unreachable, restarting or
 *   not answering): QUEUEY_SERVER_STORAGE_UNAVAILABLE, `transient` (503);
 * - anything else (a constraint, a statement refused, a PostgreSQL
 *   connection lost during COMMIT, when nobody knows whether the write
 *   happened): QUEUEY_SERVER_STORAGE_UNAVAILABLE (500).
 *
 * The message says which and `cause` keeps the driver's error. A connection
 * URL never appears (it may hold a password): drivers' messages do not carry it.
 */
import { isStorageError, StorageError } from './errors.js';
import { CommitOutcomeUnknown, isConnectionProblem } from './postgres-errors.js';

/** The database's name in messages. */
export type DatabaseName = 'SQLite' | 'PostgreSQL';

const DISK_FULL = new Set(['SQLITE_FULL', '53100']);
// SQLite's extended codes keep the primary one as a prefix (SQLITE_BUSY_SNAPSHOT).
const SQLITE_LOCKED = /^SQLITE_(BUSY|LOCKED)/;

/** `error` as a StorageError of the failed `action` ("store messages"); StorageErrors pass as they are. */
export function toStorageError(
  error: unknown,
  action: string,
  database: DatabaseName,
): StorageError {
  if (isStorageError(error)) return error as StorageError;
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (what: string, transient: boolean) =>
    new StorageError('QUEUEY_SERVER_STORAGE_UNAVAILABLE', `cannot ${action}: ${what}: ${detail}`, {
      cause: error,
      transient,
    });
  if (typeof code === 'string' && DISK_FULL.has(code)) {
    return new StorageError(
      'QUEUEY_SERVER_STORAGE_FULL',
      `cannot ${action}: ${database}'s disk is full: ${detail}`,
      { cause: error },
    );
  }
  if (typeof code === 'string' && SQLITE_LOCKED.test(code)) {
    return fail('another process holds the SQLite database lock', true);
  }
  if (error instanceof CommitOutcomeUnknown) {
    return fail(`${database} stopped answering while the write committed`, false);
  }
  if (isConnectionProblem(error)) return fail(`${database} is unreachable or not answering`, true);
  return fail(`${database} refused the request`, false);
}
