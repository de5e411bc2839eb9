/** Message SQL by key (partition, id) and the expiry purge, of the PostgreSQL storage. */
import type pg from 'pg';
import { uniqueHexKeys } from './message-keys.js';
import { COLUMNS, type MessageRow, toMessage } from './postgres-messages.js';
import type { MessageKey, StoredMessage } from './types.js';

type Queryable = Pick<pg.ClientBase, 'query'>;
type Target = { application: string; queue: string };

/** Keys as parallel arrays for unnest, matched by KEY_MATCH. */
function keyArrays(keys: (MessageKey & { time: bigint })[]) {
  return [
    keys.map((k) => k.partition),
    keys.map((k) => k.time.toString()),
    keys.map((k) => k.id),
  ] as const;
}

const KEY_MATCH =
  '(partition, time, id) IN (SELECT * FROM unnest($3::int[], $4::bigint[], $5::uuid[]))';

/** Unexpired messages with these keys, in key order; each key once. */
export async function selectByKeys(
  db: Queryable,
  target: Target,
  keys: MessageKey[],
  now: number,
): Promise<StoredMessage[]> {
  const unique = uniqueHexKeys(keys);
  if (unique.length === 0) return [];
  const { rows } = await db.query<MessageRow>(
    `SELECT ${COLUMNS} FROM queuey_messages
     WHERE application = $1 AND queue = $2 AND ${KEY_MATCH} AND expires_at > $6`,
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
  keys: MessageKey[],
): Promise<void> {
  const unique = uniqueHexKeys(keys);
  if (unique.length === 0) return;
  await db.query(
    `DELETE FROM queuey_messages WHERE application = $1 AND queue = $2 AND ${KEY_MATCH}`,
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
    const { rowCount } = await db.query(
      `DELETE FROM queuey_messages WHERE ctid IN (
         SELECT ctid FROM queuey_messages WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, batch],
    );
    purged += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) break;
  }
  return purged;
}
