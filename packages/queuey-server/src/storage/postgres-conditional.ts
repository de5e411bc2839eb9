/** The PostgreSQL side of the conditional PUT (extension `if-match`). */
import type pg from 'pg';
import {
  type ConditionalPutResult,
  conditionHolds,
  etagOf,
  type PutCondition,
} from './conditional.js';
import type { TimedKey } from './message-keys.js';
import {
  COLUMNS,
  type MessageRow,
  QUEUE_KEY,
  raiseClocks,
  toMessage,
  writeRows,
} from './postgres-messages.js';
import { prepared } from './postgres-prepared.js';
import { lockQueue } from './postgres-queues.js';
import type { StoredMessage } from './types.js';

/**
 * Compare and write in one transaction. A transaction-scoped advisory lock
 * on the message key serialises conditional writers of one message, also
 * while it does not exist yet (FOR UPDATE cannot lock a missing row), so two
 * `If-None-Match: *` writers cannot both create it.
 */
export async function postgresPutIf(
  db: pg.ClientBase,
  o: {
    target: { application: string; queue: string };
    key: TimedKey;
    message: Omit<StoredMessage, 'id' | 'partition' | 'time'>;
    condition: PutCondition;
    now: number;
  },
): Promise<ConditionalPutResult> {
  const { application, queue } = o.target;
  const { partition, time, id } = o.key;
  await lockQueue(db, o.target);
  await prepared(db, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `queuey-put-if/${application}/${queue}/${partition}:${id}`,
  ]);
  const { rows } = await prepared<MessageRow>(
    db,
    `SELECT ${COLUMNS} FROM queuey_messages
     WHERE queue_key = ${QUEUE_KEY} AND partition = $3 AND time = $4 AND id = $5
       AND expires_at > $6 FOR UPDATE`,
    [application, queue, partition, time.toString(), id, o.now],
  );
  const current = rows[0] ? toMessage(rows[0]) : undefined;
  if (!conditionHolds(current, o.condition)) return { written: false };
  const row = { ...o.message, id, partition, time };
  await raiseClocks(db, o.target, [row]);
  await writeRows(db, o.target, [row], true);
  return { written: true, etag: etagOf(o.message) };
}
