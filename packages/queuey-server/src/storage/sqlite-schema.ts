/**
 * The SQLite schema. Messages are a WITHOUT ROWID table clustered on
 * (application, queue, partition, time, id): a `since` read is one index range
 * scan that already holds the rows, and an id lookup is a point query because
 * the id determines its time.
 */
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

CREATE TABLE IF NOT EXISTS messages (
  application TEXT NOT NULL,
  queue TEXT NOT NULL,
  partition INTEGER NOT NULL CHECK (partition >= 1),
  time INTEGER NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  content_type TEXT,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (application, queue, partition, time, id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS messages_expires_at ON messages (expires_at);
`;
