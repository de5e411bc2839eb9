/**
 * Versioned schema migrations for the PostgreSQL storage. Each server runs
 * `migrate()` on start; an advisory lock taken inside the migrating
 * transaction makes concurrent starts of many servers wait for each other
 * instead of racing, and `queuey_schema_migrations` records what was applied,
 * so a restart applies nothing twice. Never edit a released migration: add one.
 */
import type pg from 'pg';
import { StorageError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Text keys use COLLATE "C" so queue names sort by bytes, as in SQLite and
// whatever the database's locale. Message ids are `uuid` (16 bytes, compared
// bytewise), so (time, id) order is "time, then id bytes" as the protocol says.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'queues, partition clocks, messages',
    sql: `
      CREATE TABLE queuey_queues (
        application text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        partitions integer NOT NULL,
        type text NOT NULL,
        consistency text NOT NULL,
        principles text[] NOT NULL DEFAULT '{}',
        created double precision NOT NULL,
        PRIMARY KEY (application, name)
      );
      -- One row per partition that ever got a message: the last time handed
      -- out there. Its row lock serialises writers of one partition.
      CREATE TABLE queuey_partition_clocks (
        application text COLLATE "C" NOT NULL,
        queue text COLLATE "C" NOT NULL,
        partition integer NOT NULL,
        last_time bigint NOT NULL,
        PRIMARY KEY (application, queue, partition)
      );
      CREATE TABLE queuey_messages (
        application text COLLATE "C" NOT NULL,
        queue text COLLATE "C" NOT NULL,
        partition integer NOT NULL,
        time bigint NOT NULL,
        id uuid NOT NULL,
        body bytea NOT NULL,
        content_type text,
        expires_at bigint NOT NULL,
        PRIMARY KEY (application, queue, partition, time, id)
      );
      CREATE INDEX queuey_messages_expires_at ON queuey_messages (expires_at);
    `,
  },
  {
    version: 2,
    name: 'expired tallies (extension expired)',
    sql: `
      -- Per partition: messages the purge removed because their TTL ran out,
      -- and the newest of them. Dropped with the queue.
      CREATE TABLE queuey_expired_tallies (
        application text COLLATE "C" NOT NULL,
        queue text COLLATE "C" NOT NULL,
        partition integer NOT NULL,
        expired_count bigint NOT NULL,
        last_time bigint NOT NULL,
        last_id uuid NOT NULL,
        PRIMARY KEY (application, queue, partition)
      );
    `,
  },
  {
    version: 3,
    name: 'message headers (extension headers)',
    sql: `
      -- JSON text of the message's key/value map, or NULL. Nullable without a
      -- default, so adding it rewrites no rows.
      ALTER TABLE queuey_messages ADD COLUMN headers text;
    `,
  },
  {
    version: 4,
    name: 'the clock before the last post',
    sql: `
      -- Set by each post to the partition's last_time before it: every
      -- message committed there earlier has a time at or below it, which
      -- tells a held read on the posting server whether the posted messages
      -- are all it has not seen (postgres-insert.ts). NULL: none before.
      ALTER TABLE queuey_partition_clocks ADD COLUMN previous_time bigint;
    `,
  },
  {
    version: 5,
    name: 'messages keyed by a queue number',
    sql: `
      -- A number per queue, so that a message's key (and its primary key
      -- entry) no longer repeats the application and queue names: a quarter
      -- of the CPU an insert costs PostgreSQL was comparing and copying
      -- those two texts (docs/ARCHITECTURE.md, "Storage"). A queue deleted
      -- and created again gets a new number.
      ALTER TABLE queuey_queues ADD COLUMN key bigint GENERATED ALWAYS AS IDENTITY;
      ALTER TABLE queuey_queues ADD CONSTRAINT queuey_queues_key UNIQUE (key);
      CREATE TABLE queuey_messages_next (
        queue_key bigint NOT NULL,
        partition integer NOT NULL,
        time bigint NOT NULL,
        id uuid NOT NULL,
        body bytea NOT NULL,
        content_type text,
        expires_at bigint NOT NULL,
        headers text,
        PRIMARY KEY (queue_key, partition, time, id)
      );
      -- Messages of no queue (none are left by a delete) are not carried over.
      INSERT INTO queuey_messages_next
        SELECT q.key, m.partition, m.time, m.id, m.body, m.content_type, m.expires_at, m.headers
        FROM queuey_messages AS m
        JOIN queuey_queues AS q ON q.application = m.application AND q.name = m.queue;
      DROP TABLE queuey_messages;
      ALTER TABLE queuey_messages_next RENAME TO queuey_messages;
      ALTER TABLE queuey_messages RENAME CONSTRAINT queuey_messages_next_pkey TO queuey_messages_pkey;
      CREATE INDEX queuey_messages_expires_at ON queuey_messages (expires_at);
    `,
  },
  {
    version: 6,
    name: 'expiry ranges instead of an index on expires_at',
    sql: `
      -- Per write, per partition and expiry instant: the range of times
      -- written (postgres-expiry.ts). The purge finds what is due here, not
      -- through an index entry per message.
      CREATE TABLE queuey_expiries (
        expires_at bigint NOT NULL,
        queue_key bigint NOT NULL,
        partition integer NOT NULL,
        first_time bigint NOT NULL,
        last_time bigint NOT NULL,
        PRIMARY KEY (expires_at, queue_key, partition, first_time)
      );
      INSERT INTO queuey_expiries
        SELECT expires_at, queue_key, partition, min(time), max(time) FROM queuey_messages
        GROUP BY expires_at, queue_key, partition;
      DROP INDEX queuey_messages_expires_at;
    `,
  },
];

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Brings the schema up to date. `schema`, when given, is created first (it is
 * also the connection's search_path). Returns the versions applied now.
 */
export async function migrate(
  client: pg.ClientBase,
  options: { schema?: string; migrations?: readonly Migration[] } = {},
): Promise<number[]> {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = Math.max(...migrations.map((m) => m.version));
  await client.query('BEGIN');
  try {
    // The lock is per schema, so test schemas or tenants do not wait on each
    // other; it is released by COMMIT/ROLLBACK, even if this process dies.
    await client.query(
      "SELECT pg_advisory_xact_lock(hashtext('queuey-migrate'), hashtext(coalesce($1, current_schema())))",
      [options.schema ?? null],
    );
    if (options.schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    }
    await client.query(`
      CREATE TABLE IF NOT EXISTS queuey_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM queuey_schema_migrations',
    );
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new StorageError(
        'QUEUEY_SERVER_SCHEMA_UNSUPPORTED',
        `the database schema is at version ${newest}, newer than this server knows (${latest}); upgrade the server`,
      );
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO queuey_schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
