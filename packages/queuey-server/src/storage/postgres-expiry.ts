/**
 * Expiry bookkeeping of the PostgreSQL storage, as the SQLite adapter's
 * (sqlite-expiry.ts): instead of an index entry per message, each write
 * records the time ranges of a partition whose messages expire at one
 * instant, in `queuey_expiries` (one row for a whole batch with one TTL).
 * The index on `expires_at` was a fifth of what an insert cost PostgreSQL.
 *
 * Invariant: every message lies in the range of a row with its own
 * `expires_at`. Purging a due row deletes the messages of its range that
 * have expired, so messages moved to a later expiry by a PUT survive until
 * their own row is due; rows left by deleted messages or queues purge
 * nothing, and go once due.
 */
import { prepared, type Queryable } from './postgres-prepared.js';

/**
 * A data-modifying CTE body that records the ranges of `rows` (a CTE or
 * subquery with partition, time and expires_at) written under the queue
 * number `key` (an SQL expression).
 */
export function recordExpiries(rows: string, key: string): string {
  return `INSERT INTO queuey_expiries AS e (expires_at, queue_key, partition, first_time, last_time)
    SELECT r.expires_at, ${key}, r.partition, min(r.time), max(r.time) FROM ${rows} AS r
    GROUP BY r.partition, r.expires_at
  ON CONFLICT (expires_at, queue_key, partition, first_time)
    DO UPDATE SET last_time = GREATEST(e.last_time, EXCLUDED.last_time)`;
}

/** Messages one purge statement deletes at most. */
const PURGE_BATCH = 500;
/** Due ranges one purge statement takes at most (a live queue of one-message posts has a range per message). */
const PURGE_RANGES = 500;

const RANGE_OF = (
  d: string,
  m: string,
) => `${m}.queue_key = ${d}.queue_key AND ${m}.partition = ${d}.partition
      AND ${m}.time >= ${d}.first_time AND ${m}.time <= ${d}.last_time AND ${m}.expires_at <= $1`;
const SAME_RANGE = (a: string, b: string) =>
  `(${a}.expires_at, ${a}.queue_key, ${a}.partition, ${a}.first_time) = (${b}.expires_at, ${b}.queue_key, ${b}.partition, ${b}.first_time)`;

// $1 now, $2 messages at most, $3 ranges at most. One statement for many
// ranges: a round trip per range could not keep up with a queue of
// one-message posts. The delete and its tally (extension `expired`) are one
// statement; rows a writer holds (a PUT overwriting one) are skipped rather
// than waited for, and so are ranges another server is purging. A range
// goes once nothing expired is left in it: this statement deleted every
// expired message its snapshot shows there (none was cut by the limit, nor
// held by a writer).
const PURGE_SQL = `WITH due AS (
    SELECT expires_at, queue_key, partition, first_time, last_time FROM queuey_expiries
    WHERE expires_at <= $1 ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
  ), doomed AS (
    SELECT x.ctid, d.expires_at, d.queue_key, d.partition, d.first_time FROM due AS d
    CROSS JOIN LATERAL (
      SELECT m.ctid FROM queuey_messages AS m WHERE ${RANGE_OF('d', 'm')} FOR UPDATE SKIP LOCKED
    ) AS x
    LIMIT $2
  ), gone AS (
    DELETE FROM queuey_messages WHERE ctid IN (SELECT ctid FROM doomed)
    RETURNING queue_key, partition, time, id
  ), tally AS (
    INSERT INTO queuey_expired_tallies AS t
      (application, queue, partition, expired_count, last_time, last_id)
    SELECT q.application, q.name, g.partition, count(*),
      max(g.time), (array_agg(g.id ORDER BY g.time DESC, g.id DESC))[1]
    FROM gone AS g JOIN queuey_queues AS q ON q.key = g.queue_key
    GROUP BY q.application, q.name, g.partition
    ON CONFLICT (application, queue, partition) DO UPDATE SET
      expired_count = t.expired_count + excluded.expired_count,
      last_id = CASE WHEN (excluded.last_time, excluded.last_id) > (t.last_time, t.last_id)
        THEN excluded.last_id ELSE t.last_id END,
      last_time = greatest(t.last_time, excluded.last_time)
  ), taken AS (
    SELECT expires_at, queue_key, partition, first_time, count(*) AS n FROM doomed
    GROUP BY expires_at, queue_key, partition, first_time
  ), done AS (
    -- Once the limit cut the statement short, only the ranges it reached
    -- are counted: counting every due range would read far more rows than
    -- the statement deletes.
    SELECT d.* FROM due AS d LEFT JOIN taken AS o ON ${SAME_RANGE('o', 'd')}
    WHERE CASE WHEN o.n IS NULL AND (SELECT count(*) FROM doomed) >= $2 THEN false
      ELSE (SELECT count(*) FROM queuey_messages AS m WHERE ${RANGE_OF('d', 'm')}) = coalesce(o.n, 0) END
  ), removed AS (
    DELETE FROM queuey_expiries AS e USING done AS d WHERE ${SAME_RANGE('e', 'd')}
    RETURNING 1
  )
  SELECT (SELECT count(*)::int FROM gone) AS n, (SELECT count(*)::int FROM removed) AS removed,
    (SELECT count(*)::int FROM due) AS due`;

/**
 * Deletes up to `limit` expired messages, oldest expiry first, in small
 * statements of their own: no statement holds locks for long, and several
 * servers purging at once share the work.
 */
export async function purgeExpiries(db: Queryable, now: number, limit: number): Promise<number> {
  let purged = 0;
  while (purged < limit) {
    const batch = Math.min(PURGE_BATCH, limit - purged);
    const { rows } = await prepared<{ n: number; removed: number; due: number }>(db, PURGE_SQL, [
      now,
      batch,
      PURGE_RANGES,
    ]);
    const { n = 0, removed = 0, due = 0 } = rows[0] ?? {};
    purged += n;
    // Everything due was seen and nothing was cut by the limit; or nothing
    // moved (what is left, writers hold).
    if ((n < batch && due < PURGE_RANGES) || (n === 0 && removed === 0)) break;
  }
  return purged;
}
