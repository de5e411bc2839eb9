/**
 * What a storage adapter does: speak its database's SQL, nothing more. The
 * write layer (write-layer.ts) hands it messages whose keys are checked and
 * de-duplicated, whose expiry and content type are computed, and which it
 * stores atomically; the layer then tells the watchers which partitions got
 * messages, and maps whatever the adapter threw (error-map.ts).
 *
 * Every `now` is the server's clock, passed by the caller (epoch ms).
 */
import type { DatabaseName } from './error-map.js';
import type { TimedKey } from './message-keys.js';
import type {
  BudgetedAnswer,
  ConditionalPutResult,
  MessageListener,
  PartitionsRead,
  PutCondition,
  Storage,
  StoredMessage,
} from './types.js';

/** A message to post, ready to store: only its id and time are left to the adapter. */
export type MessageRow = Omit<StoredMessage, 'id' | 'time'>;

/** What a PUT writes under each of its ids. */
export type PutMessage = Pick<StoredMessage, 'body' | 'contentType' | 'expiresAt'>;

/** What an adapter runs as the storage does (see Storage): the queue calls, reads and the purge. */
type Passed =
  | 'kind'
  | 'init'
  | 'close'
  | 'healthy'
  | 'putQueue'
  | 'getQueue'
  | 'listQueues'
  | 'countMessages'
  | 'deleteQueue'
  | 'expiredTallies'
  | 'readMessages';

export interface StorageAdapter extends Pick<Storage, Passed> {
  readonly database: DatabaseName;

  /**
   * Stores the rows atomically under new ids (see Storage.insertMessages),
   * in input order, and tells of the post itself: this process's watchers
   * (`wake`) with its messages as soon as it is known committed, so a held
   * read that takes them (http/wait.ts) has heard of every earlier post
   * first, and the other processes' (`announce`).
   */
  insertMessages(
    application: string,
    queue: string,
    rows: readonly MessageRow[],
    now: number,
  ): Promise<StoredMessage[]>;
  readPartitions?(
    application: string,
    queue: string,
    read: PartitionsRead,
  ): Promise<BudgetedAnswer>;
  /** `keys`: unique, lower-case hex; the answer in their order, missing ones omitted. */
  getMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    now: number,
  ): Promise<StoredMessage[]>;
  /** `keys`: unique, lower-case hex, at least one. */
  putMessages(
    application: string,
    queue: string,
    keys: readonly TimedKey[],
    message: PutMessage,
  ): Promise<void>;
  putMessageIf(
    application: string,
    queue: string,
    key: TimedKey,
    message: PutMessage,
    condition: PutCondition,
    now: number,
  ): Promise<ConditionalPutResult>;
  /** `keys`: unique, lower-case hex, at least one. */
  deleteMessages(application: string, queue: string, keys: readonly TimedKey[]): Promise<void>;
  purgeExpired(now: number, limit: number): Promise<number>;

  /**
   * After a write committed: tell the other processes' watchers (PostgreSQL's
   * NOTIFY). This process's watchers the layer wakes itself, but for posts
   * (insertMessages).
   */
  announce?(event: Parameters<MessageListener>[0]): void;

  /** See Storage.foreignWrites. */
  foreignWrites?(): number;
}

/** Builds an adapter; `wake` delivers events of writes other processes made, and of its own posts. */
export type AdapterFactory<A extends StorageAdapter> = (wake: MessageListener) => A;
