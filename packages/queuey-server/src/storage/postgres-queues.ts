/** Queue SQL of the PostgreSQL storage. */

import { queueNotFound } from './errors.js';
import { QUEUE_KEY } from './postgres-messages.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import type { Consistency, QueueRecord, QueueType } from './types.js';

interface QueueRow {
  application: string;
  name: string;
  partitions: number;
  type: string;
  consistency: string;
  principles: string[];
  created: number;
}

const COLUMNS = 'application, name, partitions, type, consistency, principles, created';

function toQueue(row: QueueRow): QueueRecord {
  return {
    application: row.application,
    name: row.name,
    partitions: row.partitions,
    type: row.type as QueueType,
    consistency: row.consistency as Consistency,
    principles: row.principles,
    created: row.created,
  };
}

/** Creates the queue or updates its metadata; `created` stays the first one. */
export async function upsertQueue(db: Queryable, queue: QueueRecord): Promise<QueueRecord> {
  const { rows } = await db.query<QueueRow>(
    `INSERT INTO queuey_queues (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (application, name) DO UPDATE SET partitions = EXCLUDED.partitions,
       type = EXCLUDED.type, consistency = EXCLUDED.consistency, principles = EXCLUDED.principles
     RETURNING ${COLUMNS}`,
    [
      queue.application,
      queue.name,
      queue.partitions,
      queue.type,
      queue.consistency,
      queue.principles,
      queue.created,
    ],
  );
  return toQueue(rows[0] as QueueRow);
}

export async function selectQueue(
  db: Queryable,
  application: string,
  name: string,
): Promise<QueueRecord | undefined> {
  const { rows } = await prepared<QueueRow>(
    db,
    `SELECT ${COLUMNS} FROM queuey_queues WHERE application = $1 AND name = $2`,
    [application, name],
  );
  return rows[0] ? toQueue(rows[0]) : undefined;
}

export async function selectQueues(
  db: Queryable,
  application: string,
  options: { offset?: string; limit?: number },
): Promise<QueueRecord[]> {
  const { rows } = await db.query<QueueRow>(
    `SELECT ${COLUMNS} FROM queuey_queues
     WHERE application = $1 AND ($2::text IS NULL OR name >= $2::text)
     ORDER BY name LIMIT $3`,
    [application, options.offset ?? null, options.limit ?? null],
  );
  return rows.map(toQueue);
}

export async function countLive(
  db: Queryable,
  target: { application: string; queue: string },
  now: number,
): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM queuey_messages
     WHERE queue_key = ${QUEUE_KEY} AND expires_at > $3`,
    [target.application, target.queue, now],
  );
  return Number(rows[0]?.count ?? 0);
}

/**
 * Deletes the queue and its messages (caller's transaction). The partition
 * clocks stay: a queue re-created under the same name must not hand out times
 * below those a worker may have recorded as processed before.
 */
export async function dropQueue(
  db: Queryable,
  application: string,
  name: string,
): Promise<boolean> {
  // The queue row first: a write in progress holds it (lockQueue, or the
  // post's FOR KEY SHARE), so this waits for it, and the messages' delete
  // below then sees what it wrote.
  const { rows } = await db.query<{ key: string }>(
    'DELETE FROM queuey_queues WHERE application = $1 AND name = $2 RETURNING key',
    [application, name],
  );
  const key = rows[0]?.key;
  if (key !== undefined) await db.query('DELETE FROM queuey_messages WHERE queue_key = $1', [key]);
  await db.query('DELETE FROM queuey_expired_tallies WHERE application = $1 AND queue = $2', [
    application,
    name,
  ]);
  return key !== undefined;
}

/**
 * Inside a write's transaction: holds the queue row (FOR SHARE) until COMMIT,
 * so a concurrent delete either waits and then deletes what was written, or
 * committed first and the write fails with QUEUEY_SERVER_QUEUE_NOT_FOUND (404).
 */
export async function lockQueue(
  db: Queryable,
  target: { application: string; queue: string },
): Promise<void> {
  const { rowCount } = await prepared(
    db,
    'SELECT 1 FROM queuey_queues WHERE application = $1 AND name = $2 FOR SHARE',
    [target.application, target.queue],
  );
  if (!rowCount) throw queueNotFound(target.application, target.queue);
}
