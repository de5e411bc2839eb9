/**
 * What pg's failures look like: a lost or unanswered connection, and a
 * connection lost during COMMIT. error-map.ts turns them into StorageErrors.
 */

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

/** The connection was lost while COMMIT was under way: the write may or may not have happened. */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super(`COMMIT outcome unknown: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
