/**
 * The SQLite adapter (better-sqlite3, WAL): the embedded default storage.
 * better-sqlite3 is synchronous, so every method does its work at once and
 * returns a settled promise; writes in one process are serialised by that,
 * and writes of several processes on one file by BEGIN IMMEDIATE. Keys,
 * expiry, notifications and errors are the write layer's (write-layer.ts);
 * this file only runs statements.
 */

import { type IdGenerator, newIdGenerator } from '@qdo/common';
import type Database from 'better-sqlite3';
import type { MessageRow as NewRow, PutMessage, StorageAdapter } from './adapter.js';
import { queueNotFound, StorageError } from './errors.js';
import type { TimedKey } from './message-keys.js';
import { writeEvent } from './notifier.js';
import { retryWhileBusy } from './sqlite-busy.js';
import { sqlitePutIf } from './sqlite-conditional.js';
import { EXPIRY_SQL, purgeDueRanges } from './sqlite-expiry.js';
import { QueueKeys } from './sqlite-keys.js';
import { insertRows, putRows, takeWithinBudget } from './sqlite-rows.js';
import { initSchema, openDatabase, type SynchronousMode } from './sqlite-schema.js';
import {
  idBytes,
  type MessageRow,
  type QueueRow,
  readSql,
  SQL,
  toQueueRecord,
  toStoredMessage,
} from './sqlite-sql.js';
import {
  type ConditionalPutResult,
  type ExpiredTally,
  type MessageListener,
  type PutCondition,
  type QueueRecord,
  type ReadOptions,
  type ReadPage,
  type StoredMessage,
  sinceKind,
} from './types.js';
import { WriteLayer } from './write-layer.js';

export interface SqliteStorageOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** @deprecated Unused, and to be removed: every storage call passes the server's `now`. */
  now?: () => number;
  /**
   * How long a write waits for another process's lock, ms. Default 5000.
   * The wait does not block the event loop: it is retried on timers.
   */
  busyTimeout?: number;
  /** Durability of commits; default 'full' (see SYNCHRONOUS_MODES). */
  synchronous?: SynchronousMode;
  /** Id generator; default a new one for this storage. */
  ids?: IdGenerator;
  /**
   * Cap on the database file, in pages (SQLite `max_page_count`; a page is
   * 4 KiB): writes past it fail as on a full disk. Default SQLite's (none).
   */
  maxPageCount?: number;
}

/** The SQLite side of the storage: statements only (see write-layer.ts for the rest). */
export class SqliteAdapter implements StorageAdapter {
  readonly kind = 'sqlite';
  readonly database = 'SQLite';
  readonly #db: Database.Database;
  /** This process's watchers, told of each post in the same step as its commit. */
  readonly #wake: MessageListener;
  readonly #ids: IdGenerator;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #keys = new QueueKeys(() => ({
    add: this.#stmt(SQL.addQueueKey),
    get: this.#stmt(SQL.getQueueKey),
  }));
  readonly #path: string;
  readonly #busyTimeout: number;

  constructor(options: SqliteStorageOptions, wake: MessageListener) {
    this.#wake = wake;
    this.#busyTimeout = Math.max(0, options.busyTimeout ?? 5000);
    this.#db = openDatabase(options.path, {
      busyTimeout: this.#busyTimeout,
      synchronous: options.synchronous,
    });
    if (options.maxPageCount !== undefined) {
      this.#db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`);
    }
    this.#path = options.path;
    this.#ids = options.ids ?? newIdGenerator();
  }

  async init(): Promise<void> {
    initSchema(this.#db, this.#path);
  }

  async close(): Promise<void> {
    this.#statements.clear();
    if (this.#db.open) this.#db.close();
  }

  async healthy(): Promise<boolean> {
    try {
      return this.#stmt('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  /** The durability SQLite reports for this connection (its `synchronous` pragma). */
  synchronous(): SynchronousMode | 'extra' {
    const level = Number(this.#db.pragma('synchronous', { simple: true }));
    return (['off', 'normal', 'full', 'extra'] as const)[level] ?? 'full';
  }

  /** A cached prepared statement; message reads use safe integers for the 60-bit times. */
  #stmt(sql: string, safeIntegers = false): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (!this.#db.open)
        throw new StorageError('QUEUEY_SERVER_STORAGE_CLOSED', 'the storage is closed');
      statement = this.#db.prepare(sql).safeIntegers(safeIntegers);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  putQueue(queue: QueueRecord): Promise<QueueRecord> {
    return this.#write(() => {
      const row = this.#stmt(SQL.putQueue).get({
        ...queue,
        principles: JSON.stringify(queue.principles),
      }) as QueueRow;
      return toQueueRecord(row);
    });
  }

  async getQueue(application: string, name: string): Promise<QueueRecord | undefined> {
    const row = this.#stmt(SQL.getQueue).get(application, name) as QueueRow | undefined;
    return row && toQueueRecord(row);
  }

  async listQueues(
    application: string,
    options: { offset?: string; limit?: number },
  ): Promise<QueueRecord[]> {
    const rows = this.#stmt(SQL.listQueues).all(
      application,
      options.offset ?? '',
      options.limit ?? -1,
    ) as QueueRow[];
    return rows.map(toQueueRecord);
  }

  async countMessages(application: string, queue: string, now: number): Promise<number> {
    const key = this.#keys.find(application, queue);
    if (key === undefined) return 0;
    const row = this.#stmt(SQL.countMessages).get(key, now) as { count: number };
    return Number(row.count);
  }

  async expiredTallies(application: string, queue: string): Promise<ExpiredTally[]> {
    const key = this.#keys.find(application, queue);
    if (key === undefined) return [];
    const rows = this.#stmt(EXPIRY_SQL.tallies, true).all(key) as {
      partition: bigint;
      expired_count: bigint;
      last_id: Buffer;
    }[];
    return rows.map((row) => ({
      partition: Number(row.partition),
      expiredCount: Number(row.expired_count),
      lastExpiredId: row.last_id.toString('hex'),
    }));
  }

  deleteQueue(application: string, name: string): Promise<boolean> {
    return this.#write(() => this.#deleteQueue(application, name));
  }

  #deleteQueue(application: string, name: string): boolean {
    const key = this.#keys.find(application, name);
    const remove = this.#db.transaction(() => {
      if (key !== undefined) {
        this.#stmt(SQL.deleteQueueMessages).run(key);
        this.#stmt(EXPIRY_SQL.dropTallies).run(key);
      }
      return this.#stmt(SQL.deleteQueue).run(application, name).changes > 0;
    });
    return remove.immediate();
  }

  insertMessages(
    application: string,
    queue: string,
    rows: readonly NewRow[],
    now: number,
  ): Promise<StoredMessage[]> {
    return this.#write(() => {
      const key = this.#keys.ensure(application, queue);
      const statements = {
        insert: this.#stmt(SQL.insertMessage),
        lastTime: this.#stmt(SQL.lastTime, true),
        raiseClock: this.#stmt(SQL.raiseClock),
        addExpiry: this.#stmt(EXPIRY_SQL.add),
      };
      const write = this.#db.transaction(() => {
        this.#assertPartitions(application, queue, rows);
        return insertRows(statements, this.#ids, { key, at: now, rows });
      });
      const stored = write.immediate();
      // Told now, in the same step as the commit: a held read that takes the
      // posted messages instead of reading (see http/wait.ts) must have been
      // told of every earlier post of this process before it is woken by this one.
      const event = writeEvent(application, queue, stored, stored);
      if (event) this.#wake(event);
      return stored;
    });
  }

  /** `data_version`: moves only when another connection (process) committed to the file. */
  foreignWrites(): number {
    return Number(this.#stmt('PRAGMA data_version').pluck().get());
  }

  async readMessages(application: string, queue: string, options: ReadOptions): Promise<ReadPage> {
    const key = this.#keys.find(application, queue);
    if (key === undefined) return [];
    const { since } = options;
    const kind = sinceKind(since);
    const position = !since
      ? []
      : since.id === undefined
        ? [since.time]
        : [since.time, idBytes(since.id)];
    const params = [key, options.partition, options.now, ...position, options.limit];
    const statement = this.#stmt(readSql(options.order, kind), true);
    if (options.maxBytes === undefined) {
      return (statement.all(...params) as MessageRow[]).map(toStoredMessage);
    }
    return takeWithinBudget(statement.iterate(...params), options.maxBytes, options.firstAlways);
  }

  async getMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    now: number,
  ): Promise<StoredMessage[]> {
    const queueKey = this.#keys.find(application, queue);
    if (queueKey === undefined) return [];
    const get = this.#stmt(SQL.getMessage, true);
    const found: StoredMessage[] = [];
    for (const key of keys) {
      const row = get.get(queueKey, key.partition, now, key.time, idBytes(key.id));
      if (row) found.push(toStoredMessage(row as MessageRow));
    }
    return found;
  }

  putMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    message: PutMessage,
  ): Promise<void> {
    return this.#write(() => {
      const queueKey = this.#keys.ensure(application, queue);
      const statements = this.#putStatements();
      this.#db
        .transaction(() => {
          this.#assertQueue(application, queue);
          putRows(statements, { key: queueKey, keys, ...message });
        })
        .immediate();
    });
  }

  putMessageIf(
    application: string,
    queue: string,
    key: TimedKey,
    message: PutMessage,
    condition: PutCondition,
    now: number,
  ): Promise<ConditionalPutResult> {
    return this.#write(() => {
      const queueKey = this.#keys.ensure(application, queue);
      const statements = this.#putStatements();
      return sqlitePutIf({
        ...{ db: this.#db, queueKey, key, condition, now, message },
        statement: (sql, safe) => this.#stmt(sql, safe),
        put: () => {
          this.#assertQueue(application, queue);
          putRows(statements, { key: queueKey, keys: [key], ...message });
        },
      });
    });
  }

  #putStatements() {
    return {
      upsert: this.#stmt(SQL.upsertMessage),
      addExpiry: this.#stmt(EXPIRY_SQL.add),
      raiseClock: this.#stmt(SQL.raiseClock),
    };
  }

  deleteMessages(application: string, queue: string, keys: readonly TimedKey[]): Promise<void> {
    return this.#write(() => {
      const queueKey = this.#keys.find(application, queue);
      if (queueKey === undefined) return;
      const remove = this.#stmt(SQL.deleteMessage);
      this.#db
        .transaction(() => {
          for (const key of keys) remove.run(queueKey, key.partition, key.time, idBytes(key.id));
        })
        .immediate();
    });
  }

  purgeExpired(now: number, limit: number): Promise<number> {
    return this.#write(() => this.#purgeExpired(now, limit));
  }

  #purgeExpired(now: number, limit: number): number {
    const statements = {
      due: this.#stmt(EXPIRY_SQL.due, true),
      purgeRange: this.#stmt(EXPIRY_SQL.purgeRange),
      // Safe integers: the time comes back exact, for the tally.
      newestInRange: this.#stmt(EXPIRY_SQL.newestInRange, true),
      remove: this.#stmt(EXPIRY_SQL.remove),
      tally: this.#stmt(EXPIRY_SQL.tally),
    };
    return this.#db.transaction(() => purgeDueRanges(statements, now, limit)).immediate();
  }

  /** A write, retried on timers while another process holds the lock (sqlite-busy.ts). */
  #write<T>(work: () => T): Promise<T> {
    return retryWhileBusy(work, this.#busyTimeout);
  }

  /**
   * A batch naming a partition the queue does not have fails as a missing
   * queue does: the server may have checked it against a cached copy of the
   * queue (http/queue-cache.ts), and looks again.
   */
  #assertPartitions(application: string, queue: string, messages: readonly NewRow[]): void {
    const row = this.#stmt(SQL.queuePartitions).get(application, queue) as
      | { partitions: number }
      | undefined;
    if (!row || messages.some((message) => message.partition > row.partitions)) {
      throw queueNotFound(application, queue);
    }
  }

  /** Inside a write transaction: a queue deleted since the caller looked it up takes no writes. */
  #assertQueue(application: string, queue: string): void {
    if (!this.#stmt(SQL.queueExists).get(application, queue)) {
      throw queueNotFound(application, queue);
    }
  }
}

/** The embedded storage: the shared write layer over the SQLite adapter. */
export class SqliteStorage extends WriteLayer<SqliteAdapter> {
  constructor(options: SqliteStorageOptions) {
    super((wake) => new SqliteAdapter(options, wake));
  }

  /** The durability SQLite reports for this connection (its `synchronous` pragma). */
  synchronous(): SynchronousMode | 'extra' {
    return this.adapter.synchronous();
  }
}

/** Opens (and initialises) a SQLite storage on a file or ':memory:'. */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<SqliteStorage> {
  let storage: SqliteStorage | undefined;
  try {
    storage = new SqliteStorage(options);
    await storage.init();
    return storage;
  } catch (error) {
    await storage?.close();
    // A driver's error (as such, or as mapped by the write layer) is told with the file's path.
    const mapped = error instanceof StorageError;
    const cause = mapped ? error.cause : error;
    if (mapped && (error.code !== 'QUEUEY_SERVER_STORAGE_UNAVAILABLE' || !cause)) throw error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new StorageError(
      'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
      `cannot open the SQLite database ${options.path}: ${reason}`,
      { cause },
    );
  }
}
