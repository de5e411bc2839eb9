/** Connection settings and transactions of the PostgreSQL storage. */
import type pg from 'pg';

export interface PostgresPoolOptions {
  /** Connections per server, default 10. */
  max?: number;
  /** Ms to wait for a connection before failing as unavailable, default 5000. */
  connectionTimeout?: number;
  /** Ms a statement may run on the server, default 15000. */
  statementTimeout?: number;
  /** Ms an idle connection is kept, default 30000. */
  idleTimeout?: number;
}

export const POOL_DEFAULTS = {
  max: 10,
  connectionTimeout: 5000,
  statementTimeout: 15_000,
  idleTimeout: 30_000,
} satisfies Required<PostgresPoolOptions>;

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
    query_timeout: pool.statementTimeout + 5000,
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/**
 * Runs `work` in a transaction on one pooled connection; retried (up to
 * three times) when PostgreSQL aborted it as a deadlock victim.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e) => {
        broken = e;
      });
      const code = (error as { code?: string }).code;
      if (attempt < 3 && code && RETRYABLE.has(code)) continue;
      throw error;
    } finally {
      // A connection that failed to roll back is not given back for reuse.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
