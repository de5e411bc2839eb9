/**
 * PostgreSQL storage: many Queuey servers share one database, so servers stay
 * stateless. Schema: see postgres-migrations.ts (applied on start under an
 * advisory lock). Id order across servers: see postgres-messages.ts; the
 * write path: postgres-insert.ts. Long-poll wake-ups across servers:
 * LISTEN/NOTIFY, see postgres-listener.ts and postgres-notify.ts. Lost
 * connections and timeouts: postgres-pool.ts and postgres-errors.ts. Keys,
 * expiry, local wake-ups and error mapping are the write layer's
 * (write-layer.ts); the adapter here only runs statements.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ServerConfigError } from '../errors.js';
import type { MessageRow, PutMessage, StorageAdapter } from './adapter.js';
import type { TimedKey } from './message-keys.js';
import { writeEvent } from './notifier.js';
import { postgresPutIf } from './postgres-conditional.js';
import { purgeExpiries } from './postgres-expiry.js';
import { InsertGroups } from './postgres-group-insert.js';
import { insertBatch, putRows } from './postgres-insert.js';
import { deleteByKeys, selectByKeys } from './postgres-keys.js';
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
import type {
  ConditionalPutResult,
  ExpiredTally,
  MessageListener,
  PutCondition,
  Storage,
  StoredMessage,
} from './types.js';
import { WriteLayer } from './write-layer.js';

export type { PostgresPoolOptions } from './postgres-pool.js';

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database (libpq-style query parameters allowed). */
  url: string;
  /** PostgreSQL schema holding the tables, created when missing; default: the connection's own. */
  schema?: string;
  /** @deprecated Unused, and to be removed: every storage call passes the server's `now`. */
  now?: () => number;
  pool?: PostgresPoolOptions;
  /** Background trouble (listener connection lost, a watcher threw); default: ignored. */
  onError?: (error: unknown) => void;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
type Target = { application: string; queue: string };

/** The PostgreSQL side of the storage: statements, the pool and NOTIFY (see write-layer.ts for the rest). */
export class PostgresAdapter implements StorageAdapter {
  readonly kind = 'postgres';
  readonly database = 'PostgreSQL';
  private readonly pool: pg.Pool;
  private listener: NotificationListener | undefined;
  private readonly instance = randomUUID();
  private readonly onError: (error: unknown) => void;
  private channel = channelFor('public');
  private readonly sender: NotificationSender;
  private closed = false;

  constructor(
    private readonly options: PostgresStorageOptions,
    /** Delivers other servers' events to this process's watchers. */
    private readonly wake: MessageListener,
  ) {
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
    // Nor one at any other moment: pg-pool takes its idle listener off while
    // a connection is out, and checkout() and pool.query put theirs on only
    // around their use. A listener for the connection's whole life closes
    // any gap between them (a FATAL from a restart emitted there would end
    // the process); what the error means is still met by whoever holds the
    // connection, or by the pool's idle listener.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.sender = new NotificationSender(this.pool, () => this.channel, this.onError);
  }

  async init(): Promise<void> {
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
      deliver: this.wake,
      onError: (error) => this.onError(error),
    });
    await listener.start();
    this.listener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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

  putQueue: Storage['putQueue'] = (queue) => upsertQueue(this.pool, queue);

  getQueue: Storage['getQueue'] = (application, name) => selectQueue(this.pool, application, name);

  listQueues: Storage['listQueues'] = (application, options) =>
    selectQueues(this.pool, application, options);

  countMessages: Storage['countMessages'] = (application, queue, now) =>
    countLive(this.pool, { application, queue }, now);

  async expiredTallies(application: string, queue: string): Promise<ExpiredTally[]> {
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
  }

  deleteQueue: Storage['deleteQueue'] = (application, name) =>
    inTransaction(this.pool, (db) => dropQueue(db, application, name));

  async insertMessages(
    application: string,
    queue: string,
    rows: readonly MessageRow[],
    now: number,
  ): Promise<StoredMessage[]> {
    if (rows.length === 0) return [];
    const { stored, before } = await this.inserts.insert(application, queue, rows, now);
    // This server's held reads get the messages and where each partition's
    // clock stood before them (http/wait.ts); the others a NOTIFY.
    const event = writeEvent(application, queue, stored, stored, before);
    if (event) {
      this.wake(event);
      this.announce(event);
    }
    return stored;
  }

  /** Concurrent posts to one queue share a statement (postgres-group-insert.ts). */
  private readonly inserts = new InsertGroups((application, queue, rows, now) =>
    // One statement, its own transaction (see postgres-insert.ts).
    retried(() =>
      autocommit(this.pool, (db) => insertBatch(db, { application, queue }, rows, now)),
    ),
  );

  readMessages: Storage['readMessages'] = (application, queue, options) =>
    readRows(this.pool, { application, queue }, options);

  readPartitions: NonNullable<Storage['readPartitions']> = (application, queue, read) =>
    readPartitionRows(this.pool, { application, queue }, read);

  getMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    now: number,
  ): Promise<StoredMessage[]> {
    return selectByKeys(this.pool, { application, queue }, keys, now);
  }

  async putMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    message: PutMessage,
  ): Promise<void> {
    const rows = keys.map(
      (k): StoredMessage => ({ id: k.id, partition: k.partition, time: k.time, ...message }),
    );
    const target: Target = { application, queue };
    await retried(() => autocommit(this.pool, (db) => putRows(db, target, rows)));
  }

  putMessageIf(
    application: string,
    queue: string,
    key: TimedKey,
    message: PutMessage,
    condition: PutCondition,
    now: number,
  ): Promise<ConditionalPutResult> {
    const target: Target = { application, queue };
    return inTransaction(this.pool, (db) =>
      postgresPutIf(db, { target, key, message, condition, now }),
    );
  }

  deleteMessages(application: string, queue: string, keys: readonly TimedKey[]): Promise<void> {
    return deleteByKeys(this.pool, { application, queue }, keys);
  }

  purgeExpired(now: number, limit: number): Promise<number> {
    return purgeExpiries(this.pool, now, limit);
  }

  /** Other servers' readers wake through NOTIFY, sent after the commit (postgres-notify.ts). */
  announce(event: Parameters<MessageListener>[0]): void {
    const { application: a, queue: q, partitions: p } = event;
    this.sender.send({ s: this.instance, a, q, p });
  }
}

/** The shared storage: the write layer over the PostgreSQL adapter. */
export class PostgresStorage extends WriteLayer<PostgresAdapter> {
  /** PostgreSQL reads several partitions in one statement (postgres-partitions.ts). */
  declare readonly readPartitions: NonNullable<Storage['readPartitions']>;

  constructor(options: PostgresStorageOptions) {
    super((wake) => new PostgresAdapter(options, wake));
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
