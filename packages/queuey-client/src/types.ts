import type { Clock } from '@qdo/common';

/** @qdo/common's clock contract: `sleep` resolves early on abort and never rejects. */
export type { Clock };

export interface QueueyClientOptions {
  /** App-root URL(s), e.g. 'http://127.0.0.1:5000/v1/queuey/'; a string may be a comma list. */
  connection: string | readonly string[];
  /** Sent as `Authorization: Application <appKey>`; never logged nor put in errors. */
  appKey?: string;
  /** Extra rounds over all servers after the first one fails; default 3. */
  retries?: number;
  /** Milliseconds per request, default 5000; a `wait` long-poll adds its seconds. */
  timeout?: number;
  /** PEM CA bundle for TLS (Node only; loads node:https lazily). */
  ca?: string | Uint8Array;
  /** Milliseconds before a failed server is tried again first, default 30000. */
  cooldown?: number;
  /** Delay in ms before retry round `round` (1-based); default exponential with jitter. */
  retryDelay?: (round: number) => number;
  /** Time source for cool-downs and back-off sleeps (tests pass a controllable one). */
  clock?: Clock;
  /** A fetch implementation (default globalThis.fetch, or a node:https one when `ca` is set). */
  fetch?: typeof globalThis.fetch;
}

export type Params = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  params?: Params;
  json?: unknown;
  body?: string;
  /** Form fields, sent as application/x-www-form-urlencoded. */
  form?: Params;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Extra milliseconds on top of `timeout` (long-polls). */
  extraTimeout?: number;
  /** Sees the headers of the answer that was read (e.g. its `etag`). */
  onHeaders?: (headers: Headers) => void;
}

export interface Message<B = string> {
  message_id: string;
  body: B;
  partition: number;
  timestamp: string;
  content_type?: string;
  /** Headers posted with the message (server extension `headers`); absent when it had none. */
  headers?: Record<string, string>;
}

export interface PostedMessage {
  key: string;
  timestamp: string;
  partition: number;
}

export interface QueueInfo {
  queue_name: string;
  partitions?: number;
  created?: number;
  type?: 'user' | 'public';
  consistency?: string;
  application?: string;
  /** The comma list as the queue was given it (as the original Queuey answers), or null. */
  principles?: string | null;
  count?: number;
}

/** The answer to updateQueue: the full record, principles as a list. */
export interface UpdatedQueue extends Omit<QueueInfo, 'principles' | 'count'> {
  principles: string[];
}

/** 'hex', 'partition:hex', or an object. A bare hex id means partition 1. */
export type MessageId = string | { partition: number; id: string };

export type QueueType = 'user' | 'public';

export interface CreateQueueOptions {
  queueName?: string;
  partitions?: number;
  type?: QueueType;
  consistency?: string;
  principles?: string[];
}

export interface CreatedQueue {
  status: 'ok';
  queue_name: string;
  partitions: number;
  type: string;
  consistency: string;
  /** The comma list as given (as the original Queuey answers), or null when none. */
  principles: string | null;
}

export interface UpdateQueueOptions {
  partitions?: number;
  type?: QueueType;
  consistency?: string;
  principles?: string[];
}

export interface ListQueuesOptions {
  details?: boolean;
  includeCount?: boolean;
  limit?: number;
  /** First queue name to include (inclusive, as the server defines it). */
  offset?: string;
}

export interface QueuesOptions {
  details?: boolean;
  includeCount?: boolean;
  pageSize?: number;
}

export interface PostMessageOptions {
  ttl?: number;
  partition?: number;
  /** Chooses the partition from the key (README, "Keyed posts"); not with `partition`. */
  key?: string;
  contentType?: string;
  /**
   * Kept with the message by a server with the `headers` extension (README,
   * "Message headers"); not sent to one without it. Keys: a-z 0-9 - _ .
   */
  headers?: Record<string, string>;
}

export interface NewMessage {
  body: string;
  ttl?: number;
  partition?: number;
  /** Chooses the partition from the key (README, "Keyed posts"); not with `partition`. */
  key?: string;
  /** Recorded with the message by a server that reads `content_type` in batch items (ours does). */
  contentType?: string;
  /** As PostMessageOptions.headers. */
  headers?: Record<string, string>;
}

export interface MessagesOptions {
  partition?: number;
  partitions?: number[];
  /** A message id or epoch-seconds decimal; the message with this id is left out. */
  since?: string;
  limit?: number;
  order?: 'ascending' | 'descending';
  /** Seconds the server may hold the request while nothing matches (extension). */
  wait?: number;
  signal?: AbortSignal;
}

/** One partition of a multi-partition fetch and where to read it from. */
export interface FetchPosition {
  partition: number;
  /** Read the messages strictly after this message id; from the start when absent. */
  after?: string;
}

/** One partition's answer of the `expired` extension. */
export interface ExpiredTally {
  partition: number;
  /** Messages the purge removed because their TTL ran out. */
  expired_count: number;
  /** The newest of them; null while there is none. */
  last_expired_id: string | null;
}

export interface FetchOptions {
  /** Each partition once, in the order the answer should list them. */
  positions: readonly FetchPosition[];
  /** Messages per partition, 1..1000; server default 100. */
  limit?: number;
  /** Seconds the server may hold the request while every partition is empty (`wait` extension). */
  wait?: number;
  signal?: AbortSignal;
  /**
   * Extension `partial`: called with the partitions the server's answer byte
   * budget cut or left unread (header `X-Queuey-Partial`); they are not
   * drained, fetch them again from their last message. Not called when none was.
   */
  onPartial?: (partitions: number[]) => void;
}

export interface IterateMessagesOptions {
  partition?: number;
  since?: string;
  pageSize?: number;
  signal?: AbortSignal;
}

export interface PutMessagesOptions {
  ttl?: number;
  contentType?: string;
  /**
   * Extension `if-match` (one id only): write only while the message's ETag
   * is this one; otherwise the server answers 412 (a QueueyHTTPError).
   */
  ifMatch?: string;
  /** Extension `if-match` (one id only): write only when the message does not exist, else 412. */
  ifNoneMatch?: boolean;
  signal?: AbortSignal;
}

/** A message read by id with the ETag the server gave it (undefined: no `if-match` extension). */
export interface TaggedMessage {
  message: Message;
  etag: string | undefined;
}
