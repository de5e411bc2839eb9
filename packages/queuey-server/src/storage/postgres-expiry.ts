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

const PURGE_BATCH = 500;

interface DueRow {
  expires_at: string;
  queue_key: string;
  partition: number;
  first_time: string;
  last_time: string;
}

// $1 now, $2 queue number, $3 partition, $4 first time, $5 last time, $6 how many.
// The delete and its tally (extension `expired`) are one statement; rows a
// writer holds (a PUT overwriting one) are skipped rather than waited for.
const PURGE_RANGE = `WITH gone AS (
    DELETE FROM queuey_messages WHERE ctid IN (
      SELECT ctid FROM queuey_messages
      WHERE queue_key = $2 AND partition = $3 AND time >= $4 AND time <= $5 AND expires_at <= $1
      LIMIT $6 FOR UPDATE SKIP LOCKED)
    RETURNING partition, time, id),
  tally AS (
    INSERT INTO queuey_expired_tallies AS t
      (application, queue, partition, expired_count, last_time, last_id)
    SELECT q.application, q.name, g.partition, count(*),
      max(g.time), (array_agg(g.id ORDER BY g.time DESC, g.id DESC))[1]
    FROM gone AS g JOIN queuey_queues AS q ON q.key = $2
    GROUP BY q.application, q.name, g.partition
    ON CONFLICT (application, queue, partition) DO UPDATE SET
      expired_count = t.expired_count + excluded.expired_count,
      last_id = CASE WHEN (excluded.last_time, excluded.last_id) > (t.last_time, t.last_id)
        THEN excluded.last_id ELSE t.last_id END,
      last_time = greatest(t.last_time, excluded.last_time))
  SELECT count(*)::int AS n FROM gone`;

// $1 now, $2 expires_at, $3 queue number, $4 partition, $5 first time, $6 last time.
// The row goes once nothing expired is left in its range (a row a writer
// held when it was purged keeps it for the next round).
const REMOVE_RANGE = `DELETE FROM queuey_expiries
  WHERE expires_at = $2 AND queue_key = $3 AND partition = $4 AND first_time = $5
    AND NOT EXISTS (SELECT 1 FROM queuey_messages
      WHERE queue_key = $3 AND partition = $4 AND time >= $5 AND time <= $6 AND expires_at <= $1)`;

/**
 * Deletes up to `limit` expired messages, range by range, oldest expiry
 * first, in small statements of their own: no statement holds locks for
 * long, and several servers purging at once share the work (a range two of
 * them purge together is simply emptied sooner).
 */
export async function purgeExpiries(db: Queryable, now: number, limit: number): Promise<number> {
  // At most `limit` rows, so rows that purge nothing also bound the work.
  const { rows: due } = await prepared<DueRow>(
    db,
    `SELECT expires_at, queue_key, partition, first_time, last_time FROM queuey_expiries
     WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`,
    [now, limit],
  );
  let purged = 0;
  for (const range of due) {
    if (purged >= limit) break;
    const bounds = [range.queue_key, range.partition, range.first_time, range.last_time];
    for (;;) {
      const batch = Math.min(PURGE_BATCH, limit - purged);
      const { rows } = await prepared<{ n: number }>(db, PURGE_RANGE, [now, ...bounds, batch]);
      const deleted = rows[0]?.n ?? 0;
      purged += deleted;
      if (deleted < batch || purged >= limit) break;
    }
    if (purged < limit) await prepared(db, REMOVE_RANGE, [now, range.expires_at, ...bounds]);
  }
  return purged;
}
