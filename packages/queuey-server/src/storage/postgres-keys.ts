/** Message SQL by key (partition, id) and the expiry purge, of the PostgreSQL storage. */

import type { TimedKey } from './message-keys.js';
import { COLUMNS, type MessageRow, QUEUE_KEY, toMessage } from './postgres-messages.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import type { StoredMessage } from './types.js';

type Target = { application: string; queue: string };

/** Keys as parallel arrays for unnest, matched by KEY_MATCH. */
function keyArrays(keys: readonly TimedKey[]) {
  return [
    keys.map((k) => k.partition),
    keys.map((k) => k.time.toString()),
    keys.map((k) => k.id),
  ] as const;
}

const KEY_MATCH =
  '(partition, time, id) IN (SELECT * FROM unnest($3::int[], $4::bigint[], $5::uuid[]))';

/** Unexpired messages with these (unique) keys, in key order. */
export async function selectByKeys(
  db: Queryable,
  target: Target,
  unique: readonly TimedKey[],
  now: number,
): Promise<StoredMessage[]> {
  const { rows } = await prepared<MessageRow>(
    db,
    `SELECT ${COLUMNS} FROM queuey_messages
     WHERE queue_key = ${QUEUE_KEY} AND ${KEY_MATCH} AND expires_at > $6`,
    [target.application, target.queue, ...keyArrays(unique), now],
  );
  const found = new Map(
    rows.map((row) => {
      const m = toMessage(row);
      return [`${m.partition}:${m.id}`, m];
    }),
  );
  return unique.flatMap((k) => found.get(`${k.partition}:${k.id}`) ?? []);
}

export async function deleteByKeys(
  db: Queryable,
  target: Target,
  unique: readonly TimedKey[],
): Promise<void> {
  await prepared(
    db,
    `DELETE FROM queuey_messages WHERE queue_key = ${QUEUE_KEY} AND ${KEY_MATCH}`,
    [target.application, target.queue, ...keyArrays(unique)],
  );
}

const PURGE_BATCH = 500;

/**
 * Deletes up to `limit` expired messages in small batches, each its own
 * statement: rows a writer holds (a PUT overwriting one) are skipped rather
 * than waited for, no batch holds locks for long, and several servers
 * purging at once share the work instead of queueing behind each other.
 */
export async function purgeBatches(db: Queryable, now: number, limit: number): Promise<number> {
  let purged = 0;
  while (purged < limit) {
    const batch = Math.min(PURGE_BATCH, limit - purged);
    // The delete and its tally (extension \`expired\`) are one statement.
    const { rows } = await db.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM queuey_messages WHERE ctid IN (
           SELECT ctid FROM queuey_messages WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING queue_key, partition, time, id),
       tally AS (
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
           last_time = greatest(t.last_time, excluded.last_time))
       SELECT count(*)::int AS n FROM gone`,
      [now, batch],
    );
    const deleted = rows[0]?.n ?? 0;
    purged += deleted;
    if (deleted < batch) break;
  }
  return purged;
}
