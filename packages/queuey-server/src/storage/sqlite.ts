/**
 * The SQLite adapter (better-sqlite3, WAL): the embedded default storage.
 * better-sqlite3 is synchronous, so every method does its work at once and
 * returns a settled promise; writes in one process are serialised by that,
 * and writes of several processes on one file by BEGIN IMMEDIATE.
 */
import type Database from 'better-sqlite3';
import { type IdGenerator, newIdGenerator } from '../ids.js';
import type { ConditionalPutResult } from './conditional.js';
import { StorageError } from './errors.js';
import { assertHexKeys, type TimedKey, uniqueHexKeys } from './message-keys.js';
import { Notifier } from './notifier.js';
import { sqlitePutIf } from './sqlite-conditional.js';
import { EXPIRY_SQL, ExpiryRanges, purgeDueRanges } from './sqlite-expiry.js';
import { QueueKeys } from './sqlite-keys.js';
import { initSchema, openDatabase } from './sqlite-schema.js';
import {
  idBytes,
  type MessageRow,
  type QueueRow,
  readSql,
  type SinceKind,
  SQL,
  toQueueRecord,
  toStoredMessage,
} from './sqlite-sql.js';
import type {
  MessageKey,
  NewMessage,
  QueueRecord,
  ReadOptions,
  Storage,
  StoredMessage,
} from './types.js';

export interface SqliteStorageOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Clock, epoch ms; used only where a caller passes no `now`. */
  now?: () => number;
  /** How long a write waits for another process's lock, ms. Default 5000. */
  busyTimeout?: number;
  /** Id generator; default a new one for this storage. */
  ids?: IdGenerator;
}

const DEFAULT_PURGE_LIMIT = 1000;

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #ids: IdGenerator;
  readonly #notifier = new Notifier();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #keys = new QueueKeys(() => ({
    add: this.#stmt(SQL.addQueueKey),
    get: this.#stmt(SQL.getQueueKey),
  }));
  readonly #path: string;

  constructor(options: SqliteStorageOptions) {
    this.#db = openDatabase(options.path, options.busyTimeout ?? 5000);
    this.#path = options.path;
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? newIdGenerator();
  }

  async init(): Promise<void> {
    initSchema(this.#db, this.#path);
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

  /** A cached prepared statement; message reads use safe integers for the 60-bit times. */
  #stmt(sql: string, safeIntegers = false): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (!this.#db.open) throw new StorageError('STORAGE_CLOSED', 'the storage is closed');
      statement = this.#db.prepare(sql).safeIntegers(safeIntegers);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async putQueue(queue: QueueRecord): Promise<QueueRecord> {
    const row = this.#stmt(SQL.putQueue).get({
      ...queue,
      principles: JSON.stringify(queue.principles),
    }) as QueueRow;
    return toQueueRecord(row);
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

  async deleteQueue(application: string, name: string): Promise<boolean> {
    const key = this.#keys.find(application, name);
    const remove = this.#db.transaction(() => {
      if (key !== undefined) this.#stmt(SQL.deleteQueueMessages).run(key);
      return this.#stmt(SQL.deleteQueue).run(application, name).changes > 0;
    });
    return remove.immediate();
  }

  async insertMessages(
    application: string,
    queue: string,
    messages: NewMessage[],
    now: number,
  ): Promise<StoredMessage[]> {
    const at = now ?? this.#now();
    const key = this.#keys.ensure(application, queue);
    const insert = this.#stmt(SQL.insertMessage);
    const maxTime = this.#stmt(SQL.maxTime, true);
    const addExpiry = this.#stmt(EXPIRY_SQL.add);
    const write = this.#db.transaction(() => {
      // Inside the write lock: new ids follow everything already in the
      // partition, whichever process wrote it, so readers never skip one.
      const floors = new Map<number, bigint>();
      const expiries = new ExpiryRanges();
      // The id is made as bytes and bound from this buffer (SQLite copies it);
      // its hex is made once from them, for the answer.
      const idBuffer = Buffer.allocUnsafe(16);
      const stored = messages.map((message) => {
        let floor = floors.get(message.partition);
        if (floor === undefined) {
          const row = maxTime.get(key, message.partition) as { time: bigint | null };
          floor = row.time === null ? 0n : row.time + 1n;
        }
        const time = this.#ids.nextInto(at, floor, idBuffer);
        floors.set(message.partition, time + 1n);
        const expiresAt = at + message.ttl * 1000;
        const contentType = message.contentType ?? null;
        insert.run(key, message.partition, time, idBuffer, message.body, contentType, expiresAt);
        expiries.add(message.partition, expiresAt, time);
        return {
          id: idBuffer.toString('hex'),
          partition: message.partition,
          time,
          body: message.body,
          contentType,
          expiresAt,
        };
      });
      expiries.save(addExpiry, key);
      return stored;
    });
    const stored = write.immediate();
    this.#notify(application, queue, stored);
    return stored;
  }

  async readMessages(
    application: string,
    queue: string,
    options: ReadOptions,
  ): Promise<StoredMessage[]> {
    const key = this.#keys.find(application, queue);
    if (key === undefined) return [];
    const { since } = options;
    const kind: SinceKind = !since ? 'none' : since.id === undefined ? 'time' : 'id';
    const position = !since
      ? []
      : since.id === undefined
        ? [since.time]
        : [since.time, idBytes(since.id)];
    const rows = this.#stmt(readSql(options.order, kind), true).all(
      key,
      options.partition,
      options.now ?? this.#now(),
      ...position,
      options.limit,
    ) as MessageRow[];
    return rows.map(toStoredMessage);
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

  async putMessages(
    application: string,
    queue: string,
    keys: MessageKey[],
    message: { body: string; ttl: number; contentType?: string | null },
    now: number,
  ): Promise<void> {
    assertHexKeys(keys);
    const expiresAt = (now ?? this.#now()) + message.ttl * 1000;
    const contentType = message.contentType ?? null;
    const queueKey = this.#keys.ensure(application, queue);
    const upsert = this.#stmt(SQL.upsertMessage);
    const addExpiry = this.#stmt(EXPIRY_SQL.add);
    const unique = uniqueHexKeys(keys);
    this.#db
      .transaction(() => {
        for (const key of unique) {
          const id = idBytes(key.id);
          upsert.run(queueKey, key.partition, key.time, id, message.body, contentType, expiresAt);
          // A range per id: put ids may lie far apart, and a wide range
          // would make the purge scan everything between them.
          addExpiry.run(expiresAt, queueKey, key.partition, key.time, key.time);
        }
      })
      .immediate();
    this.#notify(application, queue, unique);
  }

  async putMessageIf(
    ...[application, queue, key, message, condition, now]: Parameters<Storage['putMessageIf']>
  ): Promise<ConditionalPutResult> {
    assertHexKeys([key]);
    const [target] = uniqueHexKeys([key]) as [TimedKey];
    const at = now ?? this.#now();
    const stored = { ...message, contentType: message.contentType ?? null };
    const expiresAt = at + message.ttl * 1000;
    const queueKey = this.#keys.ensure(application, queue);
    const result = sqlitePutIf({
      ...{ db: this.#db, queueKey, key: target, condition, now: at },
      statement: (sql, safe) => this.#stmt(sql, safe),
      message: { ...stored, expiresAt },
      put: () => {
        const { partition, time, id } = target;
        const row = [stored.body, stored.contentType, expiresAt] as const;
        this.#stmt(SQL.upsertMessage).run(queueKey, partition, time, idBytes(id), ...row);
        this.#stmt(EXPIRY_SQL.add).run(expiresAt, queueKey, partition, time, time);
      },
    });
    if (result.written) this.#notify(application, queue, [target]);
    return result;
  }

  async deleteMessages(application: string, queue: string, keys: MessageKey[]): Promise<void> {
    const queueKey = this.#keys.find(application, queue);
    if (queueKey === undefined) return;
    const remove = this.#stmt(SQL.deleteMessage);
    const unique = uniqueHexKeys(keys);
    this.#db
      .transaction(() => {
        for (const key of unique) remove.run(queueKey, key.partition, key.time, idBytes(key.id));
      })
      .immediate();
  }

  async purgeExpired(now: number, limit = DEFAULT_PURGE_LIMIT): Promise<number> {
    const statements = {
      due: this.#stmt(EXPIRY_SQL.due, true),
      purgeRange: this.#stmt(EXPIRY_SQL.purgeRange),
      remove: this.#stmt(EXPIRY_SQL.remove),
    };
    const at = now ?? this.#now();
    return this.#db.transaction(() => purgeDueRanges(statements, at, limit)).immediate();
  }

  watch(listener: Parameters<Storage['watch']>[0]): () => void {
    return this.#notifier.watch(listener);
  }

  #notify(application: string, queue: string, written: readonly { partition: number }[]): void {
    if (written.length === 0) return;
    const partitions = [...new Set(written.map((message) => message.partition))];
    this.#notifier.emit({ application, queue, partitions });
  }
}

/** Opens (and initialises) a SQLite storage on a file or ':memory:'. */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
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
      'STORAGE_UNAVAILABLE',
      `cannot open the SQLite database ${options.path}: ${reason}`,
      { cause: error },
    );
  }
}
