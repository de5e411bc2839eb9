/**
 * The SQLite adapter (better-sqlite3, WAL): the embedded default storage.
 * better-sqlite3 is synchronous, so every method does its work at once and
 * returns a settled promise; writes in one process are serialised by that,
 * and writes of several processes on one file by BEGIN IMMEDIATE.
 */

import { type IdGenerator, newIdGenerator } from '@qdo/common';
import type Database from 'better-sqlite3';
import type { ConditionalPutResult } from './conditional.js';
import { queueNotFound, StorageError } from './errors.js';
import { assertHexKeys, type TimedKey, uniqueHexKeys } from './message-keys.js';
import { Notifier } from './notifier.js';
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
  type ExpiredTally,
  type MessageKey,
  type NewMessage,
  type QueueRecord,
  type ReadOptions,
  type ReadPage,
  type Storage,
  type StoredMessage,
  sinceKind,
} from './types.js';

export interface SqliteStorageOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Clock, epoch ms; used only where a caller passes no `now`. */
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

const DEFAULT_PURGE_LIMIT = 1000;

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  /** `PRAGMA data_version` at the last post (see #alone); none yet at first. */
  #seenVersion = Number.NaN;
  readonly #now: () => number;
  readonly #ids: IdGenerator;
  readonly #notifier = new Notifier();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #keys = new QueueKeys(() => ({
    add: this.#stmt(SQL.addQueueKey),
    get: this.#stmt(SQL.getQueueKey),
  }));
  readonly #path: string;
  readonly #busyTimeout: number;

  constructor(options: SqliteStorageOptions) {
    this.#busyTimeout = Math.max(0, options.busyTimeout ?? 5000);
    this.#db = openDatabase(options.path, {
      busyTimeout: this.#busyTimeout,
      synchronous: options.synchronous,
    });
    if (options.maxPageCount !== undefined) {
      this.#db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`);
    }
    this.#path = options.path;
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? newIdGenerator();
  }

  async init(): Promise<void> {
    initSchema(this.#db, this.#path);
    this.#alone();
  }

  async close(): Promise<void> {
    this.#notifier.clear();
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
    const row = this.#stmt(SQL.countMessages).get(key, now ?? this.#now()) as { count: number };
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

  deleteQueue: Storage['deleteQueue'] = (application, name) =>
    this.#write(() => this.#deleteQueue(application, name));

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

  insertMessages: Storage['insertMessages'] = (application, queue, messages, now) =>
    this.#write(() => this.#insertMessages(application, queue, messages, now));

  #insertMessages(
    application: string,
    queue: string,
    messages: NewMessage[],
    now: number,
  ): StoredMessage[] {
    const at = now ?? this.#now();
    const key = this.#keys.ensure(application, queue);
    const insert = this.#stmt(SQL.insertMessage);
    const lastTime = this.#stmt(SQL.lastTime, true);
    const raiseClock = this.#stmt(SQL.raiseClock);
    const addExpiry = this.#stmt(EXPIRY_SQL.add);
    const write = this.#db.transaction(() => {
      this.#assertPartitions(application, queue, messages);
      return insertRows({ insert, lastTime, raiseClock, addExpiry }, this.#ids, {
        key,
        at,
        messages,
      });
    });
    const stored = write.immediate();
    this.#notify(application, queue, stored, this.#alone() ? stored : undefined);
    return stored;
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
    const params = [key, options.partition, options.now ?? this.#now(), ...position, options.limit];
    const statement = this.#stmt(readSql(options.order, kind), true);
    if (options.maxBytes === undefined) {
      return (statement.all(...params) as MessageRow[]).map(toStoredMessage);
    }
    return takeWithinBudget(statement.iterate(...params), options.maxBytes, options.firstAlways);
  }

  async getMessages(
    application: string,
    queue: string,
    keys: MessageKey[],
    now: number,
  ): Promise<StoredMessage[]> {
    const queueKey = this.#keys.find(application, queue);
    if (queueKey === undefined) return [];
    const get = this.#stmt(SQL.getMessage, true);
    const at = now ?? this.#now();
    const found: StoredMessage[] = [];
    for (const key of uniqueHexKeys(keys)) {
      const row = get.get(queueKey, key.partition, at, key.time, idBytes(key.id));
      if (row) found.push(toStoredMessage(row as MessageRow));
    }
    return found;
  }

  putMessages: Storage['putMessages'] = (application, queue, keys, message, now) =>
    this.#write(() => {
      assertHexKeys(keys);
      this.#putMessages(application, queue, keys, message, now);
    });

  #putMessages(
    application: string,
    queue: string,
    keys: MessageKey[],
    message: { body: string; ttl: number; contentType?: string | null },
    now: number,
  ): void {
    const expiresAt = (now ?? this.#now()) + message.ttl * 1000;
    const contentType = message.contentType ?? null;
    const queueKey = this.#keys.ensure(application, queue);
    const statements = {
      upsert: this.#stmt(SQL.upsertMessage),
      addExpiry: this.#stmt(EXPIRY_SQL.add),
      raiseClock: this.#stmt(SQL.raiseClock),
    };
    const unique = uniqueHexKeys(keys);
    this.#db
      .transaction(() => {
        this.#assertQueue(application, queue);
        putRows(statements, {
          key: queueKey,
          keys: unique,
          body: message.body,
          contentType,
          expiresAt,
        });
      })
      .immediate();
    this.#notify(application, queue, unique);
  }

  putMessageIf(
    ...[application, queue, key, message, condition, now]: Parameters<Storage['putMessageIf']>
  ): Promise<ConditionalPutResult> {
    return this.#write(() => {
      assertHexKeys([key]);
      const [target] = uniqueHexKeys([key]) as [TimedKey];
      const at = now ?? this.#now();
      const contentType = message.contentType ?? null;
      const expiresAt = at + message.ttl * 1000;
      const queueKey = this.#keys.ensure(application, queue);
      const statements = {
        upsert: this.#stmt(SQL.upsertMessage),
        addExpiry: this.#stmt(EXPIRY_SQL.add),
        raiseClock: this.#stmt(SQL.raiseClock),
      };
      const written = { body: message.body, contentType, expiresAt };
      const result = sqlitePutIf({
        ...{ db: this.#db, queueKey, key: target, condition, now: at, message: written },
        statement: (sql, safe) => this.#stmt(sql, safe),
        put: () => {
          this.#assertQueue(application, queue);
          putRows(statements, { key: queueKey, keys: [target], ...written });
        },
      });
      if (result.written) this.#notify(application, queue, [target]);
      return result;
    });
  }

  deleteMessages(application: string, queue: string, keys: MessageKey[]): Promise<void> {
    return this.#write(() => {
      const queueKey = this.#keys.find(application, queue);
      if (queueKey === undefined) return;
      const remove = this.#stmt(SQL.deleteMessage);
      const unique = uniqueHexKeys(keys);
      this.#db
        .transaction(() => {
          for (const key of unique) remove.run(queueKey, key.partition, key.time, idBytes(key.id));
        })
        .immediate();
    });
  }

  purgeExpired: Storage['purgeExpired'] = (now, limit = DEFAULT_PURGE_LIMIT) =>
    this.#write(() => this.#purgeExpired(now, limit));

  #purgeExpired(now: number, limit: number): number {
    const statements = {
      due: this.#stmt(EXPIRY_SQL.due, true),
      purgeRange: this.#stmt(EXPIRY_SQL.purgeRange),
      // Safe integers: the time comes back exact, for the tally.
      newestInRange: this.#stmt(EXPIRY_SQL.newestInRange, true),
      remove: this.#stmt(EXPIRY_SQL.remove),
      tally: this.#stmt(EXPIRY_SQL.tally),
    };
    const at = now ?? this.#now();
    return this.#db.transaction(() => purgeDueRanges(statements, at, limit)).immediate();
  }

  /** A write, retried on timers while another process holds the lock (sqlite-busy.ts). */
  #write<T>(work: () => T): Promise<T> {
    return retryWhileBusy(work, this.#busyTimeout);
  }

  /** Inside a write transaction: a queue deleted since the caller looked it up takes no writes. */
  /**
   * A batch naming a partition the queue does not have fails as a missing
   * queue does: the server may have checked it against a cached copy of the
   * queue (http/queue-cache.ts), and looks again.
   */
  #assertPartitions(application: string, queue: string, messages: readonly NewMessage[]): void {
    const row = this.#stmt(SQL.queuePartitions).get(application, queue) as
      | { partitions: number }
      | undefined;
    if (!row || messages.some((message) => message.partition > row.partitions)) {
      throw queueNotFound(application, queue);
    }
  }

  #assertQueue(application: string, queue: string): void {
    if (!this.#stmt(SQL.queueExists).get(application, queue)) {
      throw queueNotFound(application, queue);
    }
  }

  watch(listener: Parameters<Storage['watch']>[0]): () => void {
    return this.#notifier.watch(listener);
  }

  #notify(
    application: string,
    queue: string,
    written: readonly { partition: number }[],
    messages?: readonly StoredMessage[],
  ): void {
    if (written.length === 0) return;
    const partitions = [...new Set(written.map((message) => message.partition))];
    this.#notifier.emit({ application, queue, partitions, ...(messages ? { messages } : {}) });
  }

  /**
   * Whether no other connection (another process on the file) committed
   * since the last call: `data_version` moves only for their commits, which
   * reach no listener here.
   */
  #alone(): boolean {
    const version = Number(this.#stmt('PRAGMA data_version').pluck().get());
    const alone = version === this.#seenVersion;
    this.#seenVersion = version;
    return alone;
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
    if (error instanceof StorageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
      `cannot open the SQLite database ${options.path}: ${reason}`,
      { cause: error },
    );
  }
}
