/** SQL text of the SQLite adapter, and the mapping of its rows. */
import {
  headersField,
  type Order,
  type QueueRecord,
  type SinceKind,
  type StoredMessage,
} from './types.js';

const MESSAGE_COLUMNS = 'id, partition, time, body, content_type, expires_at, headers';
const IN_PARTITION = 'queue_key = ? AND partition = ? AND expires_at > ?';

export const SQL = {
  putQueue: `INSERT INTO queues (application, name, partitions, type, consistency, principles, created)
    VALUES (@application, @name, @partitions, @type, @consistency, @principles, @created)
    ON CONFLICT (application, name) DO UPDATE SET partitions = excluded.partitions,
      type = excluded.type, consistency = excluded.consistency, principles = excluded.principles
    RETURNING *`,
  getQueue: 'SELECT * FROM queues WHERE application = ? AND name = ?',
  listQueues: 'SELECT * FROM queues WHERE application = ? AND name >= ? ORDER BY name LIMIT ?',
  deleteQueue: 'DELETE FROM queues WHERE application = ? AND name = ?',
  getQueueKey: 'SELECT key FROM queue_keys WHERE application = ? AND name = ?',
  addQueueKey: `INSERT INTO queue_keys (application, name) VALUES (?, ?)
    ON CONFLICT (application, name) DO NOTHING`,
  deleteQueueMessages: 'DELETE FROM messages WHERE queue_key = ?',
  countMessages: 'SELECT count(*) AS count FROM messages WHERE queue_key = ? AND expires_at > ?',
  queueExists: 'SELECT 1 AS found FROM queues WHERE application = ? AND name = ?',
  queuePartitions: 'SELECT partitions FROM queues WHERE application = ? AND name = ?',
  // Messages written before partition_clocks existed count too.
  lastTime: `SELECT max(
      coalesce((SELECT last_time FROM partition_clocks WHERE queue_key = @key AND partition = @partition), 0),
      coalesce((SELECT max(time) FROM messages WHERE queue_key = @key AND partition = @partition), 0)
    ) AS time`,
  raiseClock: `INSERT INTO partition_clocks (queue_key, partition, last_time) VALUES (?, ?, ?)
    ON CONFLICT (queue_key, partition) DO UPDATE SET last_time = max(last_time, excluded.last_time)`,
  insertMessage: `INSERT INTO messages (queue_key, partition, time, id, body, content_type, expires_at, headers)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  upsertMessage: `INSERT INTO messages (queue_key, partition, time, id, body, content_type, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (queue_key, partition, time, id) DO UPDATE SET body = excluded.body,
      content_type = excluded.content_type, expires_at = excluded.expires_at, headers = NULL`,
  getMessage: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${IN_PARTITION} AND time = ? AND id = ?`,
  deleteMessage:
    'DELETE FROM messages WHERE queue_key = ? AND partition = ? AND time = ? AND id = ?',
} as const;

/** The read statement for one order and kind of `since`. */
export function readSql(order: Order, since: SinceKind): string {
  const ascending = order === 'ascending';
  const cmp = (ascending ? '>' : '<') + (since === 'after' ? '' : '=');
  const position =
    since === 'id' || since === 'after'
      ? `AND (time, id) ${cmp} (?, ?)`
      : since === 'time'
        ? `AND time ${cmp} ?`
        : '';
  const direction = ascending ? 'ASC' : 'DESC';
  return `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${IN_PARTITION} ${position}
    ORDER BY time ${direction}, id ${direction} LIMIT ?`;
}

/** An id as stored: its 16 bytes, whose order is the order of the hex. */
export function idBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
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
  id: Buffer;
  partition: bigint;
  time: bigint;
  body: string;
  content_type: string | null;
  expires_at: bigint;
  headers: string | null;
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id.toString('hex'),
    partition: Number(row.partition),
    time: row.time,
    body: row.body,
    contentType: row.content_type,
    expiresAt: Number(row.expires_at),
    ...headersField(row.headers),
  };
}
