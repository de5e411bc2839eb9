/** Message SQL by key (partition, id) of the PostgreSQL storage. */

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
