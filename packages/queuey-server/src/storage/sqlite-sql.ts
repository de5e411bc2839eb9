/** SQL text of the SQLite adapter, and the mapping of its rows. */
import type { Order, QueueRecord, StoredMessage } from './types.js';

const MESSAGE_COLUMNS = 'id, partition, time, body, content_type, expires_at';
const IN_PARTITION = 'application = ? AND queue = ? AND partition = ? AND expires_at > ?';

export const SQL = {
  putQueue: `INSERT INTO queues (application, name, partitions, type, consistency, principles, created)
    VALUES (@application, @name, @partitions, @type, @consistency, @principles, @created)
    ON CONFLICT (application, name) DO UPDATE SET partitions = excluded.partitions,
      type = excluded.type, consistency = excluded.consistency, principles = excluded.principles
    RETURNING *`,
  getQueue: 'SELECT * FROM queues WHERE application = ? AND name = ?',
  listQueues: `SELECT * FROM queues WHERE application = ? AND name >= ? ORDER BY name LIMIT ?`,
  deleteQueue: 'DELETE FROM queues WHERE application = ? AND name = ?',
  deleteQueueMessages: 'DELETE FROM messages WHERE application = ? AND queue = ?',
  countMessages:
    'SELECT count(*) AS count FROM messages WHERE application = ? AND queue = ? AND expires_at > ?',
  maxTime:
    'SELECT max(time) AS time FROM messages WHERE application = ? AND queue = ? AND partition = ?',
  insertMessage: `INSERT INTO messages
    (application, queue, partition, time, id, body, content_type, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  upsertMessage: `INSERT INTO messages
    (application, queue, partition, time, id, body, content_type, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (application, queue, partition, time, id) DO UPDATE SET body = excluded.body,
      content_type = excluded.content_type, expires_at = excluded.expires_at`,
  getMessage: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE ${IN_PARTITION} AND time = ? AND id = ?`,
  deleteMessage: `DELETE FROM messages
    WHERE application = ? AND queue = ? AND partition = ? AND time = ? AND id = ?`,
  purgeExpired: `DELETE FROM messages WHERE (application, queue, partition, time, id) IN
    (SELECT application, queue, partition, time, id FROM messages WHERE expires_at <= ? LIMIT ?)`,
} as const;

export type SinceKind = 'none' | 'id' | 'time';

/** The read statement for one order and kind of `since`. */
export function readSql(order: Order, since: SinceKind): string {
  const ascending = order === 'ascending';
  const cmp = ascending ? '>=' : '<=';
  const position =
    since === 'id' ? `AND (time, id) ${cmp} (?, ?)` : since === 'time' ? `AND time ${cmp} ?` : '';
  const direction = ascending ? 'ASC' : 'DESC';
  return `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${IN_PARTITION} ${position}
    ORDER BY time ${direction}, id ${direction} LIMIT ?`;
}

export interface QueueRow {
  application: string;
  name: string;
  partitions: number;
  type: QueueRecord['type'];
  consistency: QueueRecord['consistency'];
  principles: string;
  created: number;
}

export function toQueueRecord(row: QueueRow): QueueRecord {
  return {
    application: row.application,
    name: row.name,
    partitions: Number(row.partitions),
    type: row.type,
    consistency: row.consistency,
    principles: JSON.parse(row.principles) as string[],
    created: Number(row.created),
  };
}

/** A message row read with safe integers: every INTEGER arrives as a bigint. */
export interface MessageRow {
  id: string;
  partition: bigint;
  time: bigint;
  body: string;
  content_type: string | null;
  expires_at: bigint;
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    partition: Number(row.partition),
    time: row.time,
    body: row.body,
    contentType: row.content_type,
    expiresAt: Number(row.expires_at),
  };
}
