/**
 * Turning what pg throws into the package's StorageError. The HTTP layer
 * answers any storage failure with 500 "Back-end storage unavailable", so the
 * code is QUEUEY_SERVER_STORAGE_UNAVAILABLE whether the database is unreachable, stopped
 * answering, or refused the statement; the message says which, and `cause`
 * keeps pg's error. The connection URL never appears (it may hold a password).
 */
import { StorageError } from './errors.js';

// SQLSTATE classes 08 (connection exception), 53 (insufficient resources),
// 57 (operator intervention: shutdown, statement timeout, cannot connect now).
const CONNECTION_SQLSTATE = /^(08|53|57)/;
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Whether the database could not be reached or stopped answering. */
export function isConnectionProblem(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) {
    return true;
  }
  // pg reports lost connections and its own timeouts only by message.
  return /timeout|terminated|not queryable|connection/i.test(error.message);
}

/** Wraps whatever pg threw, keeping it as `cause`. */
export function toStorageError(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  // 53100 disk_full: answered 507 like SQLite's SQLITE_FULL (http/storage-full.ts).
  if ((error as { code?: unknown } | null)?.code === '53100') {
    return new StorageError(
      'QUEUEY_SERVER_STORAGE_FULL',
      `cannot ${action}: PostgreSQL's disk is full: ${detail}`,
      { cause: error },
    );
  }
  const what = isConnectionProblem(error)
    ? 'PostgreSQL is unreachable or not answering'
    : 'PostgreSQL refused the request';
  return new StorageError(
    'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
    `cannot ${action}: ${what}: ${detail}`,
    {
      cause: error,
    },
  );
}
