/**
 * The one write path of both storages. Before an adapter runs: message keys
 * checked and de-duplicated (message-keys.ts), expiry (now + ttl) and content
 * type computed. After a write committed: the partitions it wrote to are
 * told to this process's watchers and, through the adapter, to other
 * processes'. Whatever a call throws leaves as a StorageError (error-map.ts),
 * and writes tell space observers whether they found room. The adapters
 * below only speak SQL (sqlite.ts, postgres.ts). See docs/ARCHITECTURE.md,
 * "Storage".
 */
import type { AdapterFactory, MessageRow, PutMessage, StorageAdapter } from './adapter.js';
import { toStorageError } from './error-map.js';
import { StorageError } from './errors.js';
import { assertHexKeys, type TimedKey, uniqueHexKeys } from './message-keys.js';
import { Notifier, writeEvent } from './notifier.js';
import type {
  ConditionalPutResult,
  MessageListener,
  NewMessage,
  SpaceObserver,
  Storage,
  StoredMessage,
} from './types.js';

/**
 * Expired messages one purgeExpired call removes at most (the server's
 * purger calls again while a call comes back full, yielding to requests in
 * between). SQLite purges in one write transaction, which holds the file's
 * write lock: 1,000 rows keep that under about ten milliseconds, so writers
 * of other processes wait no longer than a commit. PostgreSQL deletes in
 * statements of its own size (postgres-keys.ts) and holds no lock between them.
 */
export const PURGE_SLICE = 1_000;

type PutInput = Parameters<Storage['putMessages']>[3];

/** A message's expiry, epoch ms: `ttl` seconds from `now`. */
export function expiresAt(now: number, ttl: number): number {
  return now + ttl * 1000;
}

export class WriteLayer<A extends StorageAdapter = StorageAdapter> implements Storage {
  readonly kind: string;
  protected readonly adapter: A;
  readonly #notifier = new Notifier();
  readonly #space = new Set<SpaceObserver>();
  #closed = false;

  /** Present when the adapter reads several partitions in one round trip. */
  readonly readPartitions?: Storage['readPartitions'];
  /** Present when the adapter can tell other processes' commits (SQLite). */
  readonly foreignWrites?: () => number;

  constructor(adapter: AdapterFactory<A>) {
    this.adapter = adapter((event) => this.#notifier.emit(event));
    this.kind = this.adapter.kind;
    const { readPartitions, foreignWrites } = this.adapter;
    if (foreignWrites) this.foreignWrites = () => foreignWrites.call(this.adapter);
    if (readPartitions) {
      this.readPartitions = (application, queue, read) =>
        this.#run('read messages', () =>
          readPartitions.call(this.adapter, application, queue, read),
        );
    }
  }

  init(): Promise<void> {
    return this.#run('create or migrate the schema', () => this.adapter.init());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#notifier.clear();
    this.#space.clear();
    await this.adapter.close();
  }

  async healthy(): Promise<boolean> {
    if (this.#closed) return false;
    return this.adapter.healthy().catch(() => false);
  }

  putQueue: Storage['putQueue'] = (queue) =>
    this.#write('store a queue', () => this.adapter.putQueue(queue));

  getQueue: Storage['getQueue'] = (application, name) =>
    this.#run('read a queue', () => this.adapter.getQueue(application, name));

  listQueues: Storage['listQueues'] = (application, options) =>
    this.#run('list queues', () => this.adapter.listQueues(application, options));

  countMessages: Storage['countMessages'] = (application, queue, now) =>
    this.#run('count messages', () => this.adapter.countMessages(application, queue, now));

  expiredTallies: Storage['expiredTallies'] = (application, queue) =>
    this.#run('read expired tallies', () => this.adapter.expiredTallies(application, queue));

  deleteQueue: Storage['deleteQueue'] = (application, name) =>
    this.#run('delete a queue', () => this.adapter.deleteQueue(application, name));

  async insertMessages(
    application: string,
    queue: string,
    messages: NewMessage[],
    now: number,
  ): Promise<StoredMessage[]> {
    const rows = messages.map((m) => messageRow(m, now));
    // The adapter tells of the post itself (StorageAdapter.insertMessages).
    return this.#write('store messages', () =>
      this.adapter.insertMessages(application, queue, rows, now),
    );
  }

  readMessages: Storage['readMessages'] = (application, queue, options) =>
    this.#run('read messages', () => this.adapter.readMessages(application, queue, options));

  getMessages: Storage['getMessages'] = (application, queue, keys, now) => {
    const unique = uniqueHexKeys(keys);
    if (unique.length === 0) return Promise.resolve([]);
    return this.#run('read messages by id', () =>
      this.adapter.getMessages(application, queue, unique, now),
    );
  };

  async putMessages(
    application: string,
    queue: string,
    keys: Parameters<Storage['putMessages']>[2],
    message: PutInput,
    now: number,
  ): Promise<void> {
    assertHexKeys(keys);
    const unique = uniqueHexKeys(keys);
    if (unique.length === 0) return;
    const put = putMessage(message, now);
    await this.#write('store messages by id', () =>
      this.adapter.putMessages(application, queue, unique, put),
    );
    this.#notify(application, queue, unique);
  }

  async putMessageIf(
    ...[application, queue, key, message, condition, now]: Parameters<Storage['putMessageIf']>
  ): Promise<ConditionalPutResult> {
    assertHexKeys([key]);
    const [target] = uniqueHexKeys([key]) as [TimedKey];
    const put = putMessage(message, now);
    const result = await this.#write('store a message conditionally', () =>
      this.adapter.putMessageIf(application, queue, target, put, condition, now),
    );
    if (result.written) this.#notify(application, queue, [target]);
    return result;
  }

  deleteMessages: Storage['deleteMessages'] = async (application, queue, keys) => {
    const unique = uniqueHexKeys(keys);
    if (unique.length === 0) return;
    await this.#run('delete messages', () =>
      this.adapter.deleteMessages(application, queue, unique),
    );
  };

  purgeExpired: Storage['purgeExpired'] = (now, limit = PURGE_SLICE) =>
    this.#run('purge expired messages', () => this.adapter.purgeExpired(now, limit));

  watch(listener: MessageListener): () => void {
    return this.#notifier.watch(listener);
  }

  watchSpace(observer: SpaceObserver): () => void {
    this.#space.add(observer);
    return () => {
      this.#space.delete(observer);
    };
  }

  /** After a commit: this process's watchers now, other processes' through the adapter. */
  #notify(application: string, queue: string, written: readonly { partition: number }[]): void {
    const event = writeEvent(application, queue, written);
    if (!event) return;
    this.#notifier.emit(event);
    this.adapter.announce?.(event);
  }

  /** A call that stores something: its outcome tells the space observers. */
  async #write<T>(action: string, work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.#run(action, work);
    } catch (error) {
      if ((error as StorageError).code === 'QUEUEY_SERVER_STORAGE_FULL') {
        for (const observer of this.#space) observer.failed(error);
      }
      throw error;
    }
    // A conditional PUT that did not match wrote nothing.
    if ((result as { written?: boolean } | undefined)?.written !== false) {
      for (const observer of this.#space) observer.wrote();
    }
    return result;
  }

  async #run<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new StorageError(
        'QUEUEY_SERVER_STORAGE_CLOSED',
        `cannot ${action}: the storage is closed`,
      );
    }
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, action, this.adapter.database);
    }
  }
}

function messageRow(message: NewMessage, now: number): MessageRow {
  const { partition, body, headers } = message;
  const row: MessageRow = {
    partition,
    body,
    contentType: message.contentType ?? null,
    expiresAt: expiresAt(now, message.ttl),
  };
  if (headers) row.headers = headers;
  return row;
}

function putMessage(message: PutInput, now: number): PutMessage {
  return {
    body: message.body,
    contentType: message.contentType ?? null,
    expiresAt: expiresAt(now, message.ttl),
  };
}
