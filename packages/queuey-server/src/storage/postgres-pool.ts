/** Connection settings and transactions of the PostgreSQL storage. */
import type pg from 'pg';
import { CommitOutcomeUnknown, isConnectionProblem } from './postgres-errors.js';

export interface PostgresPoolOptions {
  /** Connections per server, default 10. */
  max?: number;
  /**
   * Ms to wait for a connection (a free one from the pool, or a new one being
   * opened) before failing as unavailable (503), default 2000.
   */
  connectionTimeout?: number;
  /**
   * Ms a statement may run, default 5000: PostgreSQL cancels it then, and the
   * client gives up one second later (a frozen server cancels nothing).
   */
  statementTimeout?: number;
  /** Ms an idle connection is kept, default 30000. */
  idleTimeout?: number;
}

export const POOL_DEFAULTS = {
  max: 10,
  connectionTimeout: 2000,
  statementTimeout: 5000,
  idleTimeout: 30_000,
} satisfies Required<PostgresPoolOptions>;

/** How long after PostgreSQL's own statement timeout the client stops waiting. */
const CLIENT_GRACE_MS = 1000;

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

export function clientConfig(options: {
  url: string;
  schema?: string;
  pool?: PostgresPoolOptions;
}): pg.ClientConfig {
  const pool = { ...POOL_DEFAULTS, ...options.pool };
  return {
    connectionString: options.url,
    application_name: 'queuey',
    connectionTimeoutMillis: pool.connectionTimeout,
    statement_timeout: pool.statementTimeout,
    // Client-side too: a server that stopped answering must not hang a request.
    query_timeout: pool.statementTimeout + CLIENT_GRACE_MS,
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/** Runs `work` again (up to three times in all) when PostgreSQL aborted it as a deadlock victim. */
export async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt < 3 && code && RETRYABLE.has(code)) continue;
      throw error;
    }
  }
}

/** A connection taken out of the pool; give it back with release(). */
export interface CheckedOut {
  client: pg.PoolClient;
  /** The error that ended the connection while it was out, if any. */
  lost(): Error | undefined;
  /** Returns it to the pool, or closes it when `broken` or lost. */
  release(broken?: Error): void;
}

/**
 * Takes a connection from the pool, listening for its 'error' while it is out:
 * the pool listens only to idle connections, and a FATAL that PostgreSQL sends
 * between two queries (a restart, an admin's pg_terminate_backend) is emitted
 * as 'error' on the client, which with no listener would end the process.
 */
export async function checkout(pool: pg.Pool): Promise<CheckedOut> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    client,
    lost: () => lost,
    release(broken) {
      // The pool's own idle listener takes over inside release(), synchronously.
      client.removeListener('error', onError);
      client.release(broken ?? lost);
    },
  };
}

/** An error PostgreSQL itself answered with: the statement failed, so its transaction did too. */
function answeredByServer(error: unknown): boolean {
  return error instanceof Error && 'severity' in error && typeof error.severity === 'string';
}

/**
 * Runs a write that is one statement, and so its own transaction. Failing
 * before it was sent, or with an error PostgreSQL answered, nothing was
 * written; a connection lost or timed out while it ran leaves the outcome
 * unknown (CommitOutcomeUnknown), and the connection is closed.
 */
export async function autocommit<T>(
  pool: pg.Pool,
  work: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const held = await checkout(pool);
  let broken: Error | undefined;
  try {
    return await work(held.client);
  } catch (error) {
    if (held.lost() || isConnectionProblem(error)) {
      broken = error instanceof Error ? error : new Error(String(error));
      if (!answeredByServer(error)) throw new CommitOutcomeUnknown(error);
    }
    throw error;
  } finally {
    held.release(broken);
  }
}

/**
 * Runs `work` in a transaction on one pooled connection; retried (up to
 * three times) when PostgreSQL aborted it as a deadlock victim. A connection
 * lost or timed out is closed rather than rolled back (ROLLBACK would wait on
 * it too); lost during COMMIT, the error says the outcome is unknown.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const held = await checkout(pool);
    const { client } = held;
    let broken: Error | undefined;
    let committing = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      committing = true;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (held.lost() || isConnectionProblem(error)) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw committing ? new CommitOutcomeUnknown(error) : error;
      }
      await client.query('ROLLBACK').catch((e) => {
        broken = e;
      });
      const code = (error as { code?: string }).code;
      if (attempt < 3 && code && RETRYABLE.has(code)) continue;
      throw error;
    } finally {
      // A connection that failed or was lost is not given back for reuse.
      held.release(broken);
    }
  }
}
