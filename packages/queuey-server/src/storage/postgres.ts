/**
 * PostgreSQL storage: many Queuey servers share one database, so servers stay
 * stateless. Schema: see postgres-migrations.ts (applied on start under an
 * advisory lock). Id order across servers: see postgres-messages.ts; the
 * write path: postgres-insert.ts. Long-poll wake-ups across servers:
 * LISTEN/NOTIFY, see postgres-listener.ts and postgres-notify.ts. Lost
 * connections and timeouts: postgres-pool.ts and postgres-errors.ts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ServerConfigError } from '../errors.js';
import type { ConditionalPutResult } from './conditional.js';
import { StorageError } from './errors.js';
import { assertHexKeys, type TimedKey, uniqueHexKeys } from './message-keys.js';
import { Notifier } from './notifier.js';
import { postgresPutIf } from './postgres-conditional.js';
import { toStorageError } from './postgres-errors.js';
import { insertBatch, putRows } from './postgres-insert.js';
import { deleteByKeys, purgeBatches, selectByKeys } from './postgres-keys.js';
import { channelFor, NotificationListener } from './postgres-listener.js';
import { readRows } from './postgres-messages.js';
import { migrate } from './postgres-migrations.js';
import { NotificationSender } from './postgres-notify.js';
import { readPartitionRows } from './postgres-partitions.js';
import {
  autocommit,
  checkout,
  clientConfig,
  inTransaction,
  POOL_DEFAULTS,
  type PostgresPoolOptions,
  retried,
} from './postgres-pool.js';
import { countLive, dropQueue, selectQueue, selectQueues, upsertQueue } from './postgres-queues.js';
import type { ExpiredTally, MessageListener, Storage, StoredMessage } from './types.js';

export type { PostgresPoolOptions } from './postgres-pool.js';

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database (libpq-style query parameters allowed). */
  url: string;
  /** PostgreSQL schema holding the tables, created when missing; default: the connection's own. */
  schema?: string;
  /** Accepted for parity with SQLite; every call passes its own `now`. */
  now?: () => number;
  pool?: PostgresPoolOptions;
  /** Background trouble (listener connection lost, a watcher threw); default: ignored. */
  onError?: (error: unknown) => void;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DEFAULT_PURGE_LIMIT = 10_000;

export class PostgresStorage implements Storage {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private listener: NotificationListener | undefined;
  private readonly notifier = new Notifier();
  private readonly instance = randomUUID();
  private readonly onError: (error: unknown) => void;
  private channel = channelFor('public');
  private readonly sender: NotificationSender;
  private closed = false;

  constructor(private readonly options: PostgresStorageOptions) {
    if (!options.url || !/^postgres(ql)?:\/\//.test(options.url)) {
      throw new ServerConfigError(
        'the PostgreSQL storage needs a url like postgres://user:password@host:5432/database',
        { section: 'storage', key: 'url' },
      );
    }
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new ServerConfigError(
        `schema must be a plain identifier (letters, digits, _), got ${JSON.stringify(options.schema)}`,
        { section: 'storage', key: 'schema' },
      );
    }
    const pool = { ...POOL_DEFAULTS, ...options.pool };
    this.onError = options.onError ?? (() => {});
    this.pool = new pg.Pool({
      ...clientConfig(options),
      max: pool.max,
      idleTimeoutMillis: pool.idleTimeout,
    });
    // An idle connection dropped by the server must not crash the process.
    this.pool.on('error', (error) => this.onError(error));
    this.sender = new NotificationSender(this.pool, () => this.channel, this.onError);
  }

  async init(): Promise<void> {
    await this.run('create or migrate the schema', async () => {
      const held = await checkout(this.pool);
      let failed: Error | undefined;
      try {
        const { client } = held;
        await migrate(client, this.options.schema ? { schema: this.options.schema } : {});
        // Servers sharing a schema share a channel; other schemas stay apart.
        const { rows } = await client.query<{ s: string }>('SELECT current_schema() AS s');
        this.channel = channelFor(rows[0]?.s ?? 'public');
      } catch (error) {
        failed = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        held.release(failed);
      }
      if (this.listener || this.closed) return;
      const listener = new NotificationListener({
        config: clientConfig(this.options),
        channel: this.channel,
        instance: this.instance,
        deliver: (event) => this.deliver(event),
        onError: (error) => this.onError(error),
      });
      await listener.start();
      this.listener = listener;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notifier.clear();
    await this.sender.idle();
    await this.listener?.close();
    await this.pool.end();
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 2000);
    });
    const probe = this.pool.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  putQueue: Storage['putQueue'] = (queue) =>
    this.run('store a queue', () => upsertQueue(this.pool, queue));

  getQueue: Storage['getQueue'] = (application, name) =>
    this.run('read a queue', () => selectQueue(this.pool, application, name));

  listQueues: Storage['listQueues'] = (application, options) =>
    this.run('list queues', () => selectQueues(this.pool, application, options));

  countMessages: Storage['countMessages'] = (application, queue, now) =>
    this.run('count messages', () => countLive(this.pool, { application, queue }, now));

  expiredTallies = (application: string, queue: string): Promise<ExpiredTally[]> =>
    this.run('read expired tallies', async () => {
      const { rows } = await this.pool.query<{ partition: number; n: string; last_id: string }>(
        `SELECT partition, expired_count::text AS n, last_id::text AS last_id
         FROM queuey_expired_tallies WHERE application = $1 AND queue = $2`,
        [application, queue],
      );
      return rows.map((row) => ({
        partition: row.partition,
        expiredCount: Number(row.n),
        lastExpiredId: row.last_id.replaceAll('-', ''),
      }));
    });

  deleteQueue: Storage['deleteQueue'] = (application, name) =>
    this.transaction('delete a queue', (db) => dropQueue(db, application, name));

  async insertMessages(
    application: string,
    queue: string,
    messages: Parameters<Storage['insertMessages']>[2],
    now: number,
  ): Promise<StoredMessage[]> {
    if (messages.length === 0) return [];
    const target = { application, queue };
    const partitions = [...new Set(messages.map((m) => m.partition))].sort((a, b) => a - b);
    // One statement, its own transaction (see postgres-insert.ts).
    const stored = await this.run('store messages', () =>
      retried(() => autocommit(this.pool, (db) => insertBatch(db, target, messages, now))),
    );
    this.notify(application, queue, partitions);
    return stored;
  }

  readMessages: Storage['readMessages'] = (application, queue, options) =>
    this.run('read messages', () => readRows(this.pool, { application, queue }, options));

  readPartitions: NonNullable<Storage['readPartitions']> = (application, queue, read) =>
    this.run('read messages', () => readPartitionRows(this.pool, { application, queue }, read));

  getMessages: Storage['getMessages'] = (application, queue, keys, now) =>
    this.run('read messages by id', () =>
      selectByKeys(this.pool, { application, queue }, keys, now),
    );

  async putMessages(
    application: string,
    queue: string,
    keys: Parameters<Storage['putMessages']>[2],
    message: Parameters<Storage['putMessages']>[3],
    now: number,
  ): Promise<void> {
    assertHexKeys(keys);
    const unique = uniqueHexKeys(keys);
    if (unique.length === 0) return;
    const rows = unique.map(
      (k): StoredMessage => ({
        id: k.id,
        partition: k.partition,
        time: k.time,
        body: message.body,
        contentType: message.contentType ?? null,
        expiresAt: now + message.ttl * 1000,
      }),
    );
    const partitions = [...new Set(keys.map((k) => k.partition))].sort((a, b) => a - b);
    await this.run('store messages by id', () =>
      retried(() => autocommit(this.pool, (db) => putRows(db, { application, queue }, rows))),
    );
    this.notify(application, queue, partitions);
  }

  async putMessageIf(
    ...[application, queue, key, message, condition, now]: Parameters<Storage['putMessageIf']>
  ): Promise<ConditionalPutResult> {
    assertHexKeys([key]);
    const [target] = uniqueHexKeys([key]) as [TimedKey];
    const stored = { ...message, contentType: message.contentType ?? null };
    const result = await this.transaction('store a message conditionally', async (db) => {
      const written = await postgresPutIf(db, {
        ...{ target: { application, queue }, key: target, condition, now },
        message: {
          body: stored.body,
          contentType: stored.contentType,
          expiresAt: now + message.ttl * 1000,
        },
      });
      return written;
    });
    if (result.written) this.notify(application, queue, [target.partition]);
    return result;
  }

  deleteMessages: Storage['deleteMessages'] = (application, queue, keys) =>
    this.run('delete messages', () => deleteByKeys(this.pool, { application, queue }, keys));

  purgeExpired: Storage['purgeExpired'] = (now, limit = DEFAULT_PURGE_LIMIT) =>
    this.run('purge expired messages', () => purgeBatches(this.pool, now, limit));

  watch(listener: MessageListener): () => void {
    return this.notifier.watch(listener);
  }

  private deliver(event: Parameters<MessageListener>[0]): void {
    this.notifier.emit(event);
  }

  /** After a commit: wakes this server's readers now, and other servers' through NOTIFY. */
  private notify(application: string, queue: string, partitions: number[]): void {
    this.deliver({ application, queue, partitions });
    this.sender.send({ s: this.instance, a: application, q: queue, p: partitions });
  }

  private async run<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new StorageError(
        'QUEUEY_SERVER_STORAGE_CLOSED',
        `cannot ${action}: the storage is closed`,
      );
    }
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, action);
    }
  }

  private transaction<T>(action: string, work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(action, () => inTransaction(this.pool, work));
  }
}

/** Opens the storage and runs init (schema, listener); close() it when done. */
export async function openPostgresStorage(
  options: PostgresStorageOptions,
): Promise<PostgresStorage> {
  const storage = new PostgresStorage(options);
  try {
    await storage.init();
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  return storage;
}
