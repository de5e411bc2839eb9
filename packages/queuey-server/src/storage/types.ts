/**
 * The storage interface of the Queuey server. The HTTP layer talks only to
 * this; the shared write layer (write-layer.ts) implements it over the SQLite
 * and PostgreSQL adapters, and one storage suite runs unchanged against both.
 * A failed call rejects with a StorageError (errors.ts), which the HTTP
 * error handler answers by its code.
 *
 * Times: `now` is epoch milliseconds from the server's clock (injectable, so
 * tests control TTLs). A message's own time is the 60-bit time field of its
 * version-1 UUID id (100 ns units since 1582-10-15), kept as a bigint.
 */

export type QueueType = 'user' | 'public';
export type Consistency = 'weak' | 'strong' | 'very_strong';
export type Order = 'ascending' | 'descending';

export interface QueueRecord {
  /** The owning application (the `{app}` of the URL). */
  application: string;
  name: string;
  partitions: number;
  type: QueueType;
  consistency: Consistency;
  /** Principals allowed to view/delete messages; empty means "the owner". */
  principles: string[];
  /** Creation time, epoch seconds. */
  created: number;
}

export interface StoredMessage {
  /** 32 lowercase hex digits, a version-1 UUID. */
  id: string;
  partition: number;
  /** The UUID time field of `id` (100 ns since 1582-10-15). */
  time: bigint;
  body: string;
  contentType: string | null;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
  /** Extension `headers`: the key/value map posted with the message, when it had one. */
  headers?: MessageHeaders;
}

/** Extension `headers`: small string key/values kept with a message (bounds: http/message-headers.ts). */
export type MessageHeaders = Readonly<Record<string, string>>;

/** Headers as a storage column: JSON text, or null for none. */
export function headersText(headers: MessageHeaders | undefined): string | null {
  return headers ? JSON.stringify(headers) : null;
}

/** The `headers` field of a message read from a column (absent when null). */
export function headersField(text: string | null | undefined): { headers?: MessageHeaders } {
  return text ? { headers: JSON.parse(text) as MessageHeaders } : {};
}

export interface NewMessage {
  body: string;
  partition: number;
  /** Seconds to live. */
  ttl: number;
  contentType?: string | null;
  headers?: MessageHeaders;
}

export interface MessageKey {
  partition: number;
  id: string;
}

export interface ReadOptions {
  partition: number;
  /**
   * Position to read from, inclusive: messages with (time, id) >= (time, id)
   * when `id` is given, or time >= `time` when it is not (an epoch `since`).
   * Descending reads go backwards from it: <= instead of >= (as the original).
   * `exclusive` (with `id`): strictly after it, without the message itself.
   */
  since?: { time: bigint; id?: string; exclusive?: boolean };
  limit: number;
  order: Order;
  now: number;
  /**
   * Budget of body bytes (UTF-8): stop before the message that would take
   * the sum past it. The first message comes however big, unless
   * `firstAlways` is false.
   */
  maxBytes?: number;
  /** With `maxBytes`: false lets the budget stop the first message too. Default true. */
  firstAlways?: boolean;
}

/** The kinds of `since` a read statement has: `after` is an id, exclusive of it. */
export type SinceKind = 'none' | 'id' | 'after' | 'time';

/** Which SinceKind a read's `since` is. */
export function sinceKind(since: ReadOptions['since']): SinceKind {
  if (!since) return 'none';
  if (since.id === undefined) return 'time';
  return since.exclusive ? 'after' : 'id';
}

/**
 * A read's messages. `cut` is set when `maxBytes` stopped the read while
 * another message (within `limit`) was stored: the partition is not drained.
 */
export type ReadPage = StoredMessage[] & { cut?: true };

/** `messages` as a ReadPage, marked cut when `cut`. */
export function readPage(messages: StoredMessage[], cut: boolean): ReadPage {
  return cut ? Object.assign(messages, { cut: true as const }) : messages;
}

/** One partition of a multi-partition read, with its own position. */
export interface PartitionRead {
  partition: number;
  since?: ReadOptions['since'];
}

/** Several partitions read as one answer within one byte budget (see `readPartitions`). */
export interface PartitionsRead {
  /** In answer order, each partition once. */
  reads: readonly PartitionRead[];
  /** Per partition. */
  limit: number;
  order: Order;
  now: number;
  /** Body bytes (UTF-8) of the whole answer; its first message comes however big. */
  maxBytes: number;
}

/** A multi-partition answer within its budget. */
export interface BudgetedAnswer {
  messages: StoredMessage[];
  /** The partitions the budget stopped before their end or `limit` (or left unread), in order. */
  partial: number[];
}

/** Called after messages became visible (committed). */
export type MessageListener = (event: {
  application: string;
  queue: string;
  partitions: number[];
  /**
   * The messages posted by this process: a held read may take them instead
   * of reading when it knows nothing else arrived (http/wait.ts). Absent for
   * writes of other processes and PUT by id.
   */
  messages?: readonly StoredMessage[];
  /**
   * With `messages`, when the storage can tell (PostgreSQL): for each
   * partition of them, a time at or above that of every message committed
   * there before them (-1: none). A held read that has seen its partition up
   * to that time lacks nothing but these messages, whoever else writes.
   */
  before?: ReadonlyMap<number, bigint>;
}) => void;

/** `ifMatch`: write only while the live message has this ETag (`*`: any); `ifNoneMatch`: only while absent. */
export interface PutCondition {
  ifMatch?: string;
  ifNoneMatch?: boolean;
}

export type ConditionalPutResult = { written: true; etag: string } | { written: false };

/** Extension `expired`: what the purge removed from one partition because its TTL ran out. */
export interface ExpiredTally {
  partition: number;
  /** Messages removed, since the queue was created (or the server got this extension). */
  expiredCount: number;
  /** The newest of them, in (time, id) order. */
  lastExpiredId: string;
}

export interface Storage {
  readonly kind: string;
  /** Create or migrate the schema. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Whether the storage answers; never throws. */
  healthy(): Promise<boolean>;

  /** Create the queue, or update its metadata when it exists. */
  putQueue(queue: QueueRecord): Promise<QueueRecord>;
  getQueue(application: string, name: string): Promise<QueueRecord | undefined>;
  /** Sorted by name; `offset` is the first name to include. */
  listQueues(
    application: string,
    options: { offset?: string; limit?: number },
  ): Promise<QueueRecord[]>;
  /** Live (unexpired) messages in all partitions of the queue. */
  countMessages(application: string, queue: string, now: number): Promise<number>;
  /** Deletes the queue and all its messages; false when it did not exist. */
  deleteQueue(application: string, name: string): Promise<boolean>;

  /**
   * Store messages atomically (all or nothing) and assign their ids. Ids are
   * strictly increasing per partition in the order writes become visible.
   * Returns the stored messages in input order.
   */
  insertMessages(
    application: string,
    queue: string,
    messages: NewMessage[],
    now: number,
  ): Promise<StoredMessage[]>;
  /** Unexpired messages of one partition from a position, ordered by (time, id). */
  readMessages(application: string, queue: string, options: ReadOptions): Promise<ReadPage>;
  /**
   * Optional: the answer of reading `reads` one after another, each partition
   * from what the budget has left (http/answer-budget.ts), in one round trip.
   * Without it the HTTP layer reads the partitions one by one.
   */
  readPartitions?(
    application: string,
    queue: string,
    read: PartitionsRead,
  ): Promise<BudgetedAnswer>;
  /** Unexpired messages with these keys; missing ones are omitted. */
  getMessages(
    application: string,
    queue: string,
    keys: MessageKey[],
    now: number,
  ): Promise<StoredMessage[]>;
  /** Create or overwrite messages under these ids; each keeps its id's time. */
  putMessages(
    application: string,
    queue: string,
    keys: MessageKey[],
    message: { body: string; ttl: number; contentType?: string | null },
    now: number,
  ): Promise<void>;
  /**
   * Create or overwrite one message only when `condition` holds against the
   * live message, atomically (extension `if-match`, see conditional.ts).
   */
  putMessageIf(
    application: string,
    queue: string,
    key: MessageKey,
    message: { body: string; ttl: number; contentType?: string | null },
    condition: PutCondition,
    now: number,
  ): Promise<ConditionalPutResult>;
  deleteMessages(application: string, queue: string, keys: MessageKey[]): Promise<void>;
  /**
   * Remove expired messages, at most `limit` in one call; returns how many.
   * Each partition's tally (extension `expired`) grows by the messages removed.
   */
  purgeExpired(now: number, limit?: number): Promise<number>;
  /** Extension `expired`: the partitions of the queue that the purge removed expired messages from. */
  expiredTallies(application: string, queue: string): Promise<ExpiredTally[]>;

  /** Subscribe to newly visible messages (for long-poll `wait`). */
  watch(listener: MessageListener): () => void;
  /**
   * Optional: subscribe to what writes say about space (a full disk as one
   * episode, http/storage-full.ts). Without it a full disk still answers 507.
   */
  watchSpace?(observer: SpaceObserver): () => void;
  /**
   * Optional: a number that changes whenever another process committed to
   * the storage (SQLite's `data_version`), whose writes reach no watcher
   * here. A held read takes the messages handed with a wake-up only while it
   * has not moved (http/wait.ts). Absent: never take them.
   */
  foreignWrites?(): number;
}

/** Told after each write that stores something (a queue, messages). */
export interface SpaceObserver {
  /** A write succeeded: there is space. */
  wrote(): void;
  /** A write failed for want of space (a StorageError with code QUEUEY_SERVER_STORAGE_FULL). */
  failed(error: unknown): void;
}
