/**
 * A fresh schema per test on a shared throwaway cluster (startPostgresCluster),
 * so tests never see each other's rows; drop() removes it with everything in it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresSchema {
  /** The cluster's URL; a client sees the schema through `schema` or this search_path. */
  url: string;
  /** A new name (`<prefix>_<hex>`): nothing exists in it yet, and the storage creates it on open. */
  schema: string;
  /** Runs SQL with search_path set to the schema. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Drops the schema and closes the query connection; idempotent. */
  drop(): Promise<void>;
}

export async function createPostgresSchema(url: string, prefix = 't'): Promise<PostgresSchema> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await admin.connect();
  let dropped = false;
  return {
    url,
    schema,
    async query(sql, params) {
      return (await admin.query(sql, params)).rows;
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
