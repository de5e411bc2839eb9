/**
 * Expiry bookkeeping of the SQLite adapter. Instead of an index entry per
 * message, each write records the time ranges of a partition whose messages
 * expire at one instant (one row for a whole batch with one TTL). An index
 * entry per message cost a third of the ingest rate; a range row costs one
 * small insert per batch.
 *
 * Invariant: every message lies in the range of a row with its own
 * `expires_at`. Purging a due row deletes the messages of its range that have
 * expired, so messages moved to a later expiry by a PUT survive until their
 * own row is due; rows left by deleted messages or queues purge nothing.
 */
import type Database from 'better-sqlite3';

export const EXPIRY_SQL = {
  add: `INSERT INTO expiries (expires_at, queue_key, partition, first_time, last_time)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (expires_at, queue_key, partition, first_time)
    DO UPDATE SET last_time = max(last_time, excluded.last_time)`,
  due: `SELECT expires_at, queue_key, partition, first_time, last_time FROM expiries
    WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
  purgeRange: `DELETE FROM messages WHERE (queue_key, partition, time, id) IN
    (SELECT queue_key, partition, time, id FROM messages
      WHERE queue_key = ? AND partition = ? AND time >= ? AND time <= ? AND expires_at <= ?
      ORDER BY time, id LIMIT ?)`,
  // The newest row purgeRange is about to delete (the same rows, in the same
  // transaction): one row back instead of every deleted one (RETURNING cost
  // the purge half again as much).
  newestInRange: `SELECT time, id FROM (SELECT time, id FROM messages
      WHERE queue_key = ? AND partition = ? AND time >= ? AND time <= ? AND expires_at <= ?
      ORDER BY time, id LIMIT ?)
    ORDER BY time DESC, id DESC LIMIT 1`,
  // Extension \`expired\`: all SET expressions read the row as it was.
  tally: `INSERT INTO expired_tallies (queue_key, partition, expired_count, last_time, last_id)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (queue_key, partition) DO UPDATE SET
      expired_count = expired_count + excluded.expired_count,
      last_id = CASE WHEN excluded.last_time > last_time
        OR (excluded.last_time = last_time AND excluded.last_id > last_id)
        THEN excluded.last_id ELSE last_id END,
      last_time = max(last_time, excluded.last_time)`,
  tallies: `SELECT partition, expired_count, last_id FROM expired_tallies WHERE queue_key = ?`,
  dropTallies: 'DELETE FROM expired_tallies WHERE queue_key = ?',
  remove: `DELETE FROM expiries
    WHERE expires_at = ? AND queue_key = ? AND partition = ? AND first_time = ?`,
} as const;

interface Range {
  partition: number;
  expiresAt: number;
  first: bigint;
  last: bigint;
}

/** Collects the ranges of one write, per partition and expiry instant. */
export class ExpiryRanges {
  /**
   * Ranges by partition, then by expiry instant: numeric keys, so a batch
   * spread over partitions (row by row) builds no key string per row.
   */
  readonly #ranges = new Map<number, Map<number, Range>>();
  // Most batches have one partition and one TTL: skip the map lookups then.
  #current: Range | undefined;

  add(partition: number, expiresAt: number, time: bigint): void {
    let range = this.#current;
    if (range?.partition !== partition || range.expiresAt !== expiresAt) {
      let byExpiry = this.#ranges.get(partition);
      if (!byExpiry) {
        byExpiry = new Map();
        this.#ranges.set(partition, byExpiry);
      }
      range = byExpiry.get(expiresAt);
      if (!range) {
        range = { partition, expiresAt, first: time, last: time };
        byExpiry.set(expiresAt, range);
      }
      this.#current = range;
    }
    if (time < range.first) range.first = time;
    if (time > range.last) range.last = time;
  }

  /** Records the ranges; call inside the write's transaction. */
  save(add: Database.Statement, queueKey: number): void {
    for (const byExpiry of this.#ranges.values()) {
      for (const r of byExpiry.values()) {
        add.run(r.expiresAt, queueKey, r.partition, r.first, r.last);
      }
    }
  }
}

interface DueRow {
  expires_at: bigint;
  queue_key: bigint;
  partition: bigint;
  first_time: bigint;
  last_time: bigint;
}

/**
 * Deletes up to `limit` expired messages, range by range, oldest expiry
 * first; call inside a transaction. A range cut short by the limit keeps its
 * row for the next call.
 */
export function purgeDueRanges(
  statements: {
    due: Database.Statement;
    purgeRange: Database.Statement;
    newestInRange: Database.Statement;
    remove: Database.Statement;
    tally: Database.Statement;
  },
  now: number,
  limit: number,
): number {
  let left = limit;
  // At most `limit` rows, so rows that purge nothing also bound the work.
  const due = statements.due.all(now, limit) as DueRow[];
  for (const row of due) {
    if (left <= 0) break;
    const { queue_key: key, partition, first_time: first, last_time: last } = row;
    const range = [key, partition, first, last, now, left] as const;
    const newest = statements.newestInRange.get(...range) as
      | { time: bigint; id: Buffer }
      | undefined;
    const deleted = newest ? statements.purgeRange.run(...range).changes : 0;
    if (deleted > 0 && newest)
      statements.tally.run(key, partition, deleted, newest.time, newest.id);
    left -= deleted;
    if (left > 0) statements.remove.run(row.expires_at, key, partition, first);
  }
  return limit - left;
}
