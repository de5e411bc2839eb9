import { isUuidHex } from '@qdo/common';
import type { AnswerHeaders } from './answer.js';
import { QueueyError } from './errors.js';
import { checkKeys, sendPlaced } from './keyed.js';
import { resolveOptions } from './options.js';
import { PartitionCounts } from './partition-counts.js';
import { traceHeaders } from './trace.js';
import { type Method, type SendOptions, Transport } from './transport.js';
import { TypedQueue } from './typed-queue.js';
import type {
  CreatedQueue,
  CreateQueueOptions,
  ExpiredTally,
  FetchOptions,
  IterateMessagesOptions,
  ListQueuesOptions,
  Message,
  MessageId,
  MessagesOptions,
  NewMessage,
  Params,
  PostedMessage,
  PostMessageOptions,
  PutMessagesOptions,
  QueueInfo,
  QueuesOptions,
  QueueyClientOptions,
  RequestOptions,
  TaggedMessage,
  UpdatedQueue,
  UpdateQueueOptions,
} from './types.js';
import { formatIds, queuePath } from './url.js';

export type BodyOptions = Omit<RequestOptions, 'extraTimeout'>;

/** A client for one Queuey application, over one or several servers. */
export class QueueyClient {
  readonly #transport: Transport;
  readonly #partitions: PartitionCounts;
  #extensions: Promise<ReadonlySet<string>> | undefined;

  constructor(options: QueueyClientOptions) {
    const resolved = resolveOptions(options);
    this.#transport = new Transport(resolved);
    this.#partitions = new PartitionCounts((queue) => this.#partitionCount(queue), resolved.clock);
  }

  /** The app root the next request goes to first (without credentials). */
  get server(): string {
    return this.#transport.server;
  }

  /** Checks a server's heartbeat; QueueyConnectionError when no server answers. */
  async connect(): Promise<void> {
    const { headers } = await this.#transport.request('HEAD', { heartbeat: true });
    this.#extensions ??= Promise.resolve(readExtensions(headers));
  }

  /**
   * The protocol extensions the server advertises on its heartbeat
   * (`X-Queuey-Extensions`), e.g. `wait`, `positions`; an empty set for a
   * server without the header. Asked once (or taken from `connect()`), then
   * cached; a failed ask is not cached.
   */
  extensions(): Promise<ReadonlySet<string>> {
    this.#extensions ??= this.#transport
      .request('HEAD', { heartbeat: true })
      .then(({ headers }) => readExtensions(headers))
      .catch((error: unknown) => {
        this.#extensions = undefined;
        throw error;
      });
    return this.#extensions;
  }

  get<T = unknown>(path: string, params?: Params, options?: { signal?: AbortSignal }): Promise<T> {
    return this.request<T>('GET', path, { ...options, params });
  }

  post<T = unknown>(path: string, options?: BodyOptions): Promise<T> {
    return this.request<T>('POST', path, options);
  }

  put<T = unknown>(path: string, options?: BodyOptions): Promise<T> {
    return this.request<T>('PUT', path, options);
  }

  delete<T = unknown>(path: string, params?: Params): Promise<T> {
    return this.request<T>('DELETE', path, { params });
  }

  /** Any request relative to the app root, with failover and retries. */
  async request<T = unknown>(method: Method, path: string, options?: RequestOptions): Promise<T> {
    const { data, headers } = await this.#transport.request<T>(method, { path }, options);
    // A request of this kind goes through ky, whose answer has fetch Headers.
    options?.onHeaders?.(headers as Headers);
    return data;
  }

  /** A request of the client's own, with the answer's headers. */
  #send<T>(method: Method, path: string, options: SendOptions) {
    return this.#transport.request<T>(method, { path }, options);
  }

  createQueue(options: CreateQueueOptions = {}): Promise<CreatedQueue> {
    return this.post<CreatedQueue>('', {
      form: {
        queue_name: options.queueName,
        partitions: options.partitions,
        type: options.type,
        consistency: options.consistency,
        principles: options.principles?.join(','),
      },
    });
  }

  async listQueues(options: ListQueuesOptions = {}): Promise<QueueInfo[]> {
    const answer = await this.get<{ queues: QueueInfo[] }>('', {
      details: options.details || undefined,
      include_count: options.includeCount || undefined,
      limit: options.limit,
      offset: options.offset,
    });
    return answer.queues;
  }

  /** Every queue, page by page; the server's offset is inclusive, so each page re-reads one name. */
  async *queues(options: QueuesOptions = {}): AsyncIterableIterator<QueueInfo> {
    const pageSize = positive('pageSize', options.pageSize ?? 100);
    let offset: string | undefined;
    for (;;) {
      const limit = offset === undefined ? pageSize : pageSize + 1;
      const page = await this.listQueues({ ...options, limit, offset });
      for (const queue of page) {
        if (queue.queue_name !== offset) yield queue;
      }
      const last = page[page.length - 1];
      if (page.length < limit || last === undefined || last.queue_name === offset) return;
      offset = last.queue_name;
    }
  }

  async updateQueue(name: string, options: UpdateQueueOptions): Promise<UpdatedQueue> {
    const { status: _status, ...info } = await this.put<UpdatedQueue & { status: string }>(
      queuePath(name),
      {
        form: {
          partitions: options.partitions,
          type: options.type,
          consistency: options.consistency,
          principles: options.principles?.join(','),
        },
      },
    );
    return info;
  }

  async deleteQueue(name: string): Promise<void> {
    await this.delete(queuePath(name));
  }

  async postMessage(
    queue: string,
    body: string,
    options: PostMessageOptions = {},
  ): Promise<PostedMessage> {
    const contentType = options.contentType ?? 'text/plain; charset=utf-8';
    if (/^\s*application\/json\b/i.test(contentType)) {
      throw new QueueyError(
        'a single message cannot be sent as application/json: the server reads that as a batch; use postMessages() or queue<T>(name).post(), or a type such as "text/json"',
        { code: 'QUEUEY_CLIENT_INVALID_ARGUMENT' },
      );
    }
    checkKeys([options], () => 'the message');
    const messageHeaders = await this.#messageHeaders(options.headers);
    const send = async ([placed]: readonly PostMessageOptions[]) => {
      // With headers, a one-message batch: HTTP request headers cannot carry
      // every key and value the server keeps (no newline, no upper case).
      const answer = messageHeaders
        ? await this.post<{ messages: PostedMessage[] }>(queuePath(queue), {
            json: {
              messages: [
                {
                  ...{ body, ttl: options.ttl, partition: placed?.partition },
                  ...{ content_type: contentType, headers: messageHeaders },
                },
              ],
            },
          })
        : (
            await this.#send<{ messages: PostedMessage[] }>('POST', queuePath(queue), {
              body,
              headers: plainHeaders(contentType, options.ttl, placed?.partition),
              hot: true,
            })
          ).data;
      return answer.messages[0] as PostedMessage;
    };
    return sendPlaced(this.#partitions, { queue, messages: [options], send });
  }

  /**
   * Posts a batch atomically: one bad item rejects all of them. A message
   * with a `key` goes to the partition the key chooses (README, "Keyed posts").
   */
  async postMessages(queue: string, messages: readonly NewMessage[]): Promise<PostedMessage[]> {
    const path = queuePath(queue);
    if (messages.length === 0) return [];
    checkKeys(messages, (index) => `message ${index}`);
    const trace = await traceHeaders();
    const withHeaders =
      (Object.keys(trace).length > 0 || messages.some((m) => m.headers)) &&
      (await this.#extensionOn('headers'));
    const send = async (placed: readonly NewMessage[]) => {
      const items = placed.map((message) =>
        batchItem(message, withHeaders ? nonEmpty({ ...trace, ...message.headers }) : undefined),
      );
      // Sent as text, so on Node it goes the lean way like a single post (hot).
      const { data } = await this.#send<{ messages: PostedMessage[] }>('POST', path, {
        body: JSON.stringify({ messages: items }),
        headers: { 'content-type': 'application/json' },
        hot: true,
      });
      return data.messages;
    };
    return sendPlaced(this.#partitions, { queue, messages, send });
  }

  /** A handle whose `post(body: T)` sends `body` as JSON (README, "Typed queue handles"). */
  queue<T>(name: string): TypedQueue<T> {
    queuePath(name); // a bad name fails here, not at the first post
    return new TypedQueue<T>(name, (queue, messages) => this.postMessages(queue, messages));
  }

  /**
   * A message's headers with the active trace context added (trace.ts), or
   * undefined when there are none or the server does not keep them (the
   * `headers` extension): then nothing is sent, and nothing is linked.
   */
  async #messageHeaders(
    given: Record<string, string> | undefined,
  ): Promise<Record<string, string> | undefined> {
    const headers = nonEmpty({ ...(await traceHeaders()), ...given });
    return headers && (await this.#extensionOn('headers')) ? headers : undefined;
  }

  /** Whether the server speaks an extension; false when its heartbeat cannot be read now. */
  async #extensionOn(name: string): Promise<boolean> {
    return (await this.extensions().catch(() => new Set<string>())).has(name);
  }

  /** The queue's partition count from the listing with details; undefined when it is not listed. */
  async #partitionCount(queue: string): Promise<number | undefined> {
    const [info] = await this.listQueues({ details: true, offset: queue, limit: 1 });
    return info?.queue_name === queue ? info.partitions : undefined;
  }

  /** Messages at or after `since`, without the message whose id is `since` itself. */
  async messages(queue: string, options: MessagesOptions = {}): Promise<Message[]> {
    const page = await this.#readMessages(queue, options);
    return page.filter((m) => m.message_id !== options.since);
  }

  /**
   * Every message of one partition from `since` on, fetching page after
   * page until one brings nothing new. A short page is not the end: the
   * server also ends a page at its answer byte budget.
   */
  async *iterateMessages(
    queue: string,
    options: IterateMessagesOptions = {},
  ): AsyncIterableIterator<Message> {
    const pageSize = positive('pageSize', options.pageSize ?? 100);
    let since = options.since;
    for (;;) {
      // One extra so a full page still brings pageSize new messages after dropping `since`.
      const limit = since === undefined ? pageSize : Math.min(pageSize + 1, 1000);
      const page = await this.#readMessages(queue, { ...options, since, limit });
      for (const message of page) {
        if (message.message_id !== since) yield message;
      }
      const last = page[page.length - 1];
      if (last === undefined || last.message_id === since) return;
      since = last.message_id;
    }
  }

  /**
   * The multi-partition fetch (`positions` extension; check `extensions()`):
   * for each position in the order given, up to `limit` messages strictly
   * after `after`, ascending. With `wait`, the server holds the request while
   * every partition is empty, then answers exactly what follows each position.
   */
  async fetch(queue: string, options: FetchOptions): Promise<Message[]> {
    const { positions } = options;
    if (!Array.isArray(positions) || positions.length === 0) {
      throw new QueueyError('fetch needs at least one position', {
        code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
      });
    }
    const entries = positions.map(({ partition, after }) => {
      positive('partition', partition);
      if (after !== undefined && !isUuidHex(after)) {
        throw new QueueyError(`after must be a message id of 32 hex digits, got "${after}"`, {
          code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
        });
      }
      return after === undefined ? String(partition) : `${partition}:${after}`;
    });
    const wait = options.wait ?? 0;
    const { data, headers } = await this.#send<{ messages: Message[] }>('GET', queuePath(queue), {
      params: {
        positions: entries.join(','),
        limit: options.limit,
        wait: wait > 0 ? wait : undefined,
      },
      signal: options.signal,
      extraTimeout: wait * 1000,
      hot: true,
    });
    if (options.onPartial) {
      const cut = readPartial(headers);
      if (cut.length > 0) options.onPartial(cut);
    }
    return data.messages;
  }

  /**
   * Per partition, how many messages the server's purge removed at expiry
   * and the newest of them (`expired` extension; check `extensions()`).
   */
  async expired(queue: string, options: { signal?: AbortSignal } = {}): Promise<ExpiredTally[]> {
    const answer = await this.get<{ partitions: ExpiredTally[] }>(
      queuePath(queue),
      { expired: 1 },
      options,
    );
    return answer.partitions;
  }

  async getMessages(queue: string, ids: readonly MessageId[]): Promise<Message[]> {
    const path = `${queuePath(queue)}/${formatIds(ids)}`;
    if (ids.length === 0) return [];
    return (await this.get<{ messages: Message[] }>(path)).messages;
  }

  /**
   * Stores `body` under each id, creating missing ones; timestamps stay those
   * of the ids. Resolves with the new ETag when one id was written to a
   * server with the `if-match` extension.
   */
  async putMessages(
    queue: string,
    ids: readonly MessageId[],
    body: string,
    options: PutMessagesOptions = {},
  ): Promise<string | undefined> {
    const path = `${queuePath(queue)}/${formatIds(ids)}`;
    if (ids.length === 0) return undefined;
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? 'text/plain; charset=utf-8',
    };
    if (options.ttl !== undefined) headers['x-ttl'] = String(options.ttl);
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    if (options.ifNoneMatch) headers['if-none-match'] = '*';
    const answer = await this.#send('PUT', path, {
      ...{ body, headers, signal: options.signal },
      hot: true,
    });
    return answer.headers.get('etag') ?? undefined;
  }

  /** One message by id with its ETag (extension `if-match`); undefined when it does not exist. */
  async getMessage(
    queue: string,
    id: MessageId,
    options: { signal?: AbortSignal } = {},
  ): Promise<TaggedMessage | undefined> {
    const path = `${queuePath(queue)}/${formatIds([id])}`;
    const { data, headers } = await this.#send<{ messages: Message[] }>('GET', path, {
      signal: options.signal,
    });
    const message = data.messages[0];
    return message ? { message, etag: headers.get('etag') ?? undefined } : undefined;
  }

  async deleteMessages(queue: string, ids: readonly MessageId[]): Promise<void> {
    const path = `${queuePath(queue)}/${formatIds(ids)}`;
    if (ids.length === 0) return;
    await this.delete(path);
  }

  async #readMessages(queue: string, options: MessagesOptions): Promise<Message[]> {
    const wait = options.wait ?? 0;
    const { data } = await this.#send<{ messages: Message[] }>('GET', queuePath(queue), {
      params: {
        partitions: options.partitions?.join(',') ?? options.partition,
        since: options.since,
        limit: options.limit,
        order: options.order,
        wait: wait > 0 ? wait : undefined,
      },
      signal: options.signal,
      extraTimeout: wait * 1000,
      hot: true,
    });
    return data.messages;
  }
}

function readExtensions(headers: AnswerHeaders): ReadonlySet<string> {
  const header = headers.get('x-queuey-extensions') ?? '';
  return new Set(
    header
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== ''),
  );
}

/** The partitions of `X-Queuey-Partial` (extension `partial`); none without the header. */
function readPartial(headers: AnswerHeaders): number[] {
  const header = headers.get('x-queuey-partial') ?? '';
  return header
    .split(',')
    .map((item) => Number(item.trim()))
    .filter((partition) => Number.isInteger(partition) && partition > 0);
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new QueueyError(`${name} must be a positive integer, got ${value}`, {
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  }
  return value;
}

/**
 * A batch item as the server reads it, with only the fields that are set:
 * JSON.stringify leaves undefined ones out anyway, but walking past them
 * cost a 1,000-message post a sixth of its body's serialisation.
 */
function batchItem(
  message: NewMessage,
  headers: Record<string, string> | undefined,
): Record<string, unknown> {
  const item: Record<string, unknown> = { body: message.body };
  if (message.ttl !== undefined) item.ttl = message.ttl;
  if (message.partition !== undefined) item.partition = message.partition;
  if (message.contentType !== undefined) item.content_type = message.contentType;
  if (headers) item.headers = headers;
  return item;
}

function nonEmpty(headers: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** A single post's request headers (the original's protocol). */
function plainHeaders(
  contentType: string,
  ttl?: number,
  partition?: number,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (ttl !== undefined) headers['x-ttl'] = String(ttl);
  if (partition !== undefined) headers['x-partition'] = String(partition);
  return headers;
}
