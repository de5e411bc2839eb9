/**
 * The drain's physical reference ("read ceiling"): in one process, read the
 * same rows from the same SQLite file the server reads (better-sqlite3, the
 * server's schema, its read statement and batch size), encode each batch as
 * the Queuey JSON answer into bytes, and decode the bytes again as the
 * client does. No HTTP, no second process: what one core can do with the
 * rows, which a drain through server and worker can approach but not pass.
 */
import { performance } from 'node:perf_hooks';
import { formatTimestamp } from '@qdo/queuey-server';
import Database from 'better-sqlite3';
import { tempDir } from './env.js';
import { copyDb } from './seed.js';
import { APP } from './server.js';

interface Row {
  id: Buffer;
  partition: bigint;
  time: bigint;
  body: string;
  content_type: string | null;
}

const COLUMNS = 'id, partition, time, body, content_type, expires_at';
const WHERE = 'queue_key = ? AND partition = ? AND expires_at > ?';

export function readCeilingOnce(options: {
  template: string;
  queue: string;
  partitions: number;
  batchSize: number;
  expected: number;
}): number {
  const dir = tempDir('ceiling');
  copyDb(options.template, dir.file('q.db'));
  const db = new Database(dir.file('q.db'));
  try {
    db.pragma('journal_mode = WAL');
    const key = db
      .prepare('SELECT key FROM queue_keys WHERE application = ? AND name = ?')
      .pluck()
      .get(APP, options.queue);
    const first = db
      .prepare(`SELECT ${COLUMNS} FROM messages WHERE ${WHERE} ORDER BY time, id LIMIT ?`)
      .safeIntegers(true);
    const next = db
      .prepare(
        `SELECT ${COLUMNS} FROM messages WHERE ${WHERE} AND (time, id) > (?, ?) ORDER BY time, id LIMIT ?`,
      )
      .safeIntegers(true);
    let decoded = 0;
    const start = performance.now();
    for (let p = 1; p <= options.partitions; p++) {
      let last: Row | undefined;
      for (;;) {
        const now = BigInt(Date.now());
        const rows = (
          last
            ? next.all(key, p, now, last.time, last.id, options.batchSize)
            : first.all(key, p, now, options.batchSize)
        ) as Row[];
        if (rows.length === 0) break;
        last = rows[rows.length - 1];
        const bytes = Buffer.from(JSON.stringify({ status: 'ok', messages: rows.map(toJson) }));
        const answer = JSON.parse(bytes.toString('utf8')) as { messages: unknown[] };
        decoded += answer.messages.length;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    if (decoded !== options.expected)
      throw new Error(`read ceiling decoded ${decoded} of ${options.expected} messages`);
    return decoded / seconds;
  } finally {
    db.close();
    dir.remove();
  }
}

/** A stored row as the server answers it (message-fields.ts, messageJson). */
function toJson(row: Row): Record<string, unknown> {
  return {
    message_id: row.id.toString('hex'),
    timestamp: formatTimestamp(row.time),
    body: row.body,
    partition: Number(row.partition),
    ...(row.content_type ? { content_type: row.content_type } : {}),
  };
}
