/**
 * The SQLite schema. Messages are a WITHOUT ROWID table clustered on
 * (queue_key, partition, time, id): a `since` read is one range scan of the
 * rows themselves, and an id lookup is a point query because the id
 * determines its time. The queue is an integer key and the id 16 bytes, so
 * the clustered key stays small. Expiry is tracked per written range rather
 * than per message (sqlite-expiry.ts), so a batch updates one b-tree per row.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError } from './errors.js';

export const SCHEMA_VERSION = 1;

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  application TEXT NOT NULL,
  name TEXT NOT NULL,
  partitions INTEGER NOT NULL CHECK (partitions >= 1),
  type TEXT NOT NULL,
  consistency TEXT NOT NULL,
  principles TEXT NOT NULL DEFAULT '[]',
  created REAL NOT NULL,
  PRIMARY KEY (application, name)
) WITHOUT ROWID;

-- Never deleted, so a key cached by any process stays valid: a queue that is
-- deleted and created again gets its old key back.
CREATE TABLE IF NOT EXISTS queue_keys (
  key INTEGER PRIMARY KEY,
  application TEXT NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (application, name)
);

CREATE TABLE IF NOT EXISTS messages (
  queue_key INTEGER NOT NULL,
  partition INTEGER NOT NULL CHECK (partition >= 1),
  time INTEGER NOT NULL,
  id BLOB NOT NULL,
  body TEXT NOT NULL,
  content_type TEXT,
  expires_at INTEGER NOT NULL,
  -- Extension \`headers\`: JSON text of the message's key/value map, or NULL.
  -- Added to files of this version that lack it (addMissingColumns).
  headers TEXT,
  PRIMARY KEY (queue_key, partition, time, id)
) WITHOUT ROWID;

-- The last time handed out (or PUT) in each partition, kept when messages
-- are purged or the queue deleted: new ids go above it even after a restart
-- with the clock set back (a worker may have committed any id below it).
-- Created on files of this version that lack it, so no new schema version.
CREATE TABLE IF NOT EXISTS partition_clocks (
  queue_key INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  last_time INTEGER NOT NULL,
  PRIMARY KEY (queue_key, partition)
) WITHOUT ROWID;

-- Extension \`expired\`: per partition, how many messages the purge removed
-- because their TTL ran out, and the newest of them. Created on files of this
-- version that lack it, as partition_clocks; dropped with the queue.
CREATE TABLE IF NOT EXISTS expired_tallies (
  queue_key INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  expired_count INTEGER NOT NULL,
  last_time INTEGER NOT NULL,
  last_id BLOB NOT NULL,
  PRIMARY KEY (queue_key, partition)
) WITHOUT ROWID;

-- Purging by expiry: see sqlite-expiry.ts. Ordered by expires_at, so the
-- purger reads due ranges with a range scan of this table's key.
CREATE TABLE IF NOT EXISTS expiries (
  expires_at INTEGER NOT NULL,
  queue_key INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  first_time INTEGER NOT NULL,
  last_time INTEGER NOT NULL,
  PRIMARY KEY (expires_at, queue_key, partition, first_time)
) WITHOUT ROWID;

PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * SQLite's `synchronous` setting: how a commit reaches the disk. `full`
 * (the default) syncs the WAL at every commit, so an acknowledged post
 * survives power loss; `normal` syncs only at checkpoints (faster, may lose
 * the last commits on power loss, never integrity); `off` leaves it to the OS.
 */
export const SYNCHRONOUS_MODES = ['full', 'normal', 'off'] as const;
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

/**
 * How long one statement may block the thread waiting for another
 * process's lock, ms; longer waits are retried asynchronously (sqlite.ts).
 */
export const BLOCKING_BUSY_MS = 10;

/** Opens the file (creating its directory) with the settings the adapter relies on. */
export function openDatabase(
  path: string,
  options: { busyTimeout: number; synchronous?: SynchronousMode | undefined },
): Database.Database {
  const { synchronous = 'full' } = options;
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // Opening may block (the process is starting); init() lowers it afterwards.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeout))}`);
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    if (!SYNCHRONOUS_MODES.includes(synchronous)) {
      throw new StorageError(
        'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
        `synchronous must be one of ${SYNCHRONOUS_MODES.join(', ')}, got ${JSON.stringify(synchronous)}`,
      );
    }
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    // Checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a
    // checkpoint copies each changed page once and syncs, and batch posts
    // change the same partition tails over and over, so fewer checkpoints
    // do less work (ingest +6-11% on the bench machine). The size limit
    // truncates the WAL file once a checkpoint has emptied it.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Creates the schema, or checks that the file already holds this version of it. */
export function initSchema(db: Database.Database, path: string): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  const hasMessages = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'")
    .get();
  if (version > SCHEMA_VERSION || (version === 0 && hasMessages)) {
    throw new StorageError(
      'QUEUEY_SERVER_SCHEMA_UNSUPPORTED',
      `${path} holds a queuey schema this server does not know (version ${version}, ` +
        `expected ${SCHEMA_VERSION}); use a server of its version or a new database file`,
    );
  }
  db.transaction(() => {
    db.exec(SQLITE_SCHEMA);
    addMissingColumns(db);
  }).immediate();
  db.pragma(`busy_timeout = ${BLOCKING_BUSY_MS}`);
}

/**
 * Columns added after version 1 shipped, added in place to files that lack
 * them (so no new schema version): older servers name the columns they
 * use, so they still read and write such a file, only without the new data.
 */
function addMissingColumns(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('messages')").all() as {
    name: string;
  }[];
  if (!columns.some((column) => column.name === 'headers')) {
    db.exec('ALTER TABLE messages ADD COLUMN headers TEXT');
  }
}
