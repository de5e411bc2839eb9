/** Writing and reading message rows of the SQLite adapter (inside its transactions). */

import type { IdGenerator } from '@qdo/common';
import type Database from 'better-sqlite3';
import type { MessageRow as NewRow } from './adapter.js';
import type { TimedKey } from './message-keys.js';
import { ExpiryRanges } from './sqlite-expiry.js';
import { idBytes, type MessageRow, toStoredMessage } from './sqlite-sql.js';
import { headersText, type ReadPage, readPage, type StoredMessage } from './types.js';

export interface InsertStatements {
  insert: Database.Statement;
  /** SQL.lastTime, with safe integers. */
  lastTime: Database.Statement;
  raiseClock: Database.Statement;
  addExpiry: Database.Statement;
}

/**
 * Inserts a batch with new ids; call inside the write lock. New ids follow
 * everything ever written to the partition (its high-water mark and its
 * rows), whichever process wrote it, so readers never skip one.
 */
export function insertRows(
  statements: InsertStatements,
  ids: IdGenerator,
  batch: { key: number; at: number; rows: readonly NewRow[] },
): StoredMessage[] {
  const { insert, lastTime, raiseClock, addExpiry } = statements;
  const { key, at, rows } = batch;
  const floors = new Map<number, bigint>();
  const expiries = new ExpiryRanges();
  // Each id is made as bytes and bound from this buffer (SQLite copies it),
  // and copied to its slot in `batchIds`, whose hex is made in one call at
  // the end: a hex string per row cost about twice as much.
  const idBuffer = Buffer.allocUnsafe(16);
  const batchIds = Buffer.allocUnsafe(16 * rows.length);
  const times = rows.map((message, index): bigint => {
    let floor = floors.get(message.partition);
    if (floor === undefined) {
      const row = lastTime.get({ key, partition: message.partition }) as { time: bigint };
      floor = row.time + 1n;
    }
    const time = ids.nextInto(at, floor, idBuffer);
    floors.set(message.partition, time + 1n);
    const { expiresAt, contentType } = message;
    const headers = headersText(message.headers);
    insert.run(
      key,
      message.partition,
      time,
      idBuffer,
      message.body,
      contentType,
      expiresAt,
      headers,
    );
    batchIds.set(idBuffer, 16 * index);
    expiries.add(message.partition, expiresAt, time);
    return time;
  });
  expiries.save(addExpiry, key);
  for (const [partition, floor] of floors) raiseClock.run(key, partition, floor - 1n);
  const hex = batchIds.toString('hex');
  return rows.map((message, index) =>
    storedMessage(message, hex.slice(32 * index, 32 * index + 32), times[index] as bigint),
  );
}

function storedMessage(row: NewRow, id: string, time: bigint): StoredMessage {
  const { partition, body, contentType, expiresAt, headers } = row;
  const stored: StoredMessage = { id, partition, time, body, contentType, expiresAt };
  if (headers) stored.headers = headers;
  return stored;
}

/** Creates or overwrites messages under their own ids; call inside the write lock. */
export function putRows(
  statements: {
    upsert: Database.Statement;
    addExpiry: Database.Statement;
    raiseClock: Database.Statement;
  },
  put: {
    key: number;
    keys: readonly TimedKey[];
    body: string;
    contentType: string | null;
    expiresAt: number;
  },
): void {
  const { upsert, addExpiry, raiseClock } = statements;
  const { key: queueKey, body, contentType, expiresAt } = put;
  for (const key of put.keys) {
    // Later posts go above a PUT id too (the HTTP layer bounds how far ahead it may be).
    raiseClock.run(queueKey, key.partition, key.time);
    upsert.run(queueKey, key.partition, key.time, idBytes(key.id), body, contentType, expiresAt);
    // A range per id: put ids may lie far apart, and a wide range
    // would make the purge scan everything between them.
    addExpiry.run(expiresAt, queueKey, key.partition, key.time, key.time);
  }
}

/**
 * Rows of a read until their bodies pass `maxBytes` (UTF-8); the first row
 * comes anyway when `firstAlways`. Row by row, so rows beyond the budget are
 * never loaded (but the one that crossed it, which marks the page cut).
 */
export function takeWithinBudget(
  rows: Iterable<unknown>,
  maxBytes: number,
  firstAlways = true,
): ReadPage {
  const found: StoredMessage[] = [];
  let bytes = 0;
  for (const row of rows as Iterable<MessageRow>) {
    bytes += Buffer.byteLength(row.body);
    if (bytes > maxBytes && (found.length > 0 || !firstAlways)) return readPage(found, true);
    found.push(toStoredMessage(row));
  }
  return found;
}
