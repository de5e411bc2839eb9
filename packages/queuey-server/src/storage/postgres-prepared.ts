/**
 * Named (prepared) statements: PostgreSQL parses and plans a statement sent
 * without a name on every call, and for the CTEs of a post or a
 * multi-partition read that costs more than running them (planning 0.2-0.8
 * ms against 0.06-0.2 ms of execution for a long-poll's one-row read). A
 * name makes each pooled connection prepare the text once and then only
 * bind and execute it. Every distinct text gets its own name here, so the
 * statements built from variants (read order, kind of `since`) are named
 * too; their number is fixed by the code, not by requests.
 *
 * A connection pooler in between must keep prepared statements (PgBouncer
 * 1.21+ with `max_prepared_statements`, or session pooling).
 */
import type pg from 'pg';

/** What runs a statement: the pool, or a client checked out of it. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `queuey_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/** `db.query(text, values)` as a named statement. */
export function prepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return db.query<R>({ name: nameOf(text), text, values });
}
