/** Posting to and reading from a queue: POST and GET /v1/{app}/{queue}. */

import { isUuidHex, timeFromEpochSeconds, uuidTime } from '@qdo/common';
import { HttpError, errors as httpErrors, storageHttpError } from '../../errors.js';
import { isStorageError } from '../../storage/errors.js';
import {
  type NewMessage,
  type Order,
  type QueueRecord,
  type ReadOptions,
  readPage,
  type StoredMessage,
} from '../../storage/types.js';
import {
  type Allowance,
  type BudgetedAnswer,
  partialHeader,
  readPartitionsWithinBudget,
  readWithinBudget,
} from '../answer-budget.js';
import { decodeUtf8, isJson, parseJson } from '../body.js';
import { type Answer, type Handler, ok, type RequestContext } from '../context.js';
import {
  assertBatchSizes,
  assertMessageSize,
  headerValue,
  messageJson,
  validateBatch,
  validateMessage,
} from '../message-fields.js';
import { requestHeaders } from '../message-headers.js';
import { postedAnswer } from '../posted-answer.js';
import { lookUpQueue } from '../queue-lookup.js';
import { FieldErrors, isMissing, quote } from '../validate.js';
import { comparePositions, handedAnswer, readQueueWithWait } from '../wait.js';
import { requireQueue } from './queues.js';

const BAD_BATCH = { InvalidParameter: 'Unable to properly deserialize JSON body.' };
const DECIMAL = /^\d+(?:\.\d+)?$/;
const PARTITION_LIST = /^\d+$/;
const MAX_TIME = (1n << 60n) - 1n;
/** Most messages one read may ask for: partitions x limit (200 partitions at the default 100). */
export const MAX_READ_MESSAGES = 20_000;

export const postMessages: Handler = async (context) => {
  const bytes = await context.request.body(context.state.bodyLimit);
  const queue = requireQueue(context);
  if (!context.queueCached) return storeMessages(context, queue, bytes);
  try {
    return await storeMessages(context, queue, bytes);
  } catch (error) {
    // Told missing, or a partition it lacks: the cached copy may be stale
    // (changed on another server). Asked afresh, the answer is the storage's.
    const http = isStorageError(error) ? storageHttpError(error) : error;
    if (!(http instanceof HttpError && (http.status === 404 || http.status === 400))) throw error;
    const fresh = await lookUpQueue(context.state, queue.application, queue.name);
    return storeMessages(context, fresh, bytes);
  }
};

async function storeMessages(
  context: RequestContext,
  queue: QueueRecord,
  bytes: Uint8Array,
): Promise<Answer> {
  const { state, request } = context;
  const errors = new FieldErrors();
  const headers = state.extensions.has('headers');
  let messages: NewMessage[];
  if (isJson(request)) {
    const parsed = parseJson(decodeUtf8(bytes)) as { messages?: unknown } | null;
    const items = parsed && typeof parsed === 'object' ? parsed.messages : undefined;
    if (!Array.isArray(items)) throw httpErrors.badRequest({ ...BAD_BATCH });
    messages = validateBatch(items as unknown[], { partitions: queue.partitions, errors, headers });
    errors.throwIfAny();
    assertBatchSizes(messages, state.maxMessageBytes);
  } else {
    assertMessageSize(bytes, state.maxMessageBytes, 'body');
    const message = validateMessage(
      {
        body: decodeUtf8(bytes),
        ttl: headerValue(request, 'x-ttl'),
        partition: headerValue(request, 'x-partition'),
        contentType: headerValue(request, 'content-type') ?? null,
        headers: headers ? requestHeaders(request, errors) : undefined,
      },
      { partitions: queue.partitions, errors },
    );
    messages = message ? [message] : [];
  }
  errors.throwIfAny();
  const stored =
    messages.length === 0
      ? []
      : await state.storage.insertMessages(queue.application, queue.name, messages, state.now());
  return postedAnswer(stored);
}

export const readMessages: Handler = async (context) => {
  const { state, query } = context;
  const queue = requireQueue(context);
  const errors = new FieldErrors();
  const since = parseSince(query.get('since'), errors);
  const limit = errors.integer('limit', query.get('limit'), { min: 1, max: 1000 }) ?? 100;
  const order: Order =
    errors.oneOf('order', query.get('order'), ['ascending', 'descending'] as const) ?? 'ascending';
  const partitions = parsePartitions(query.get('partitions'), errors);
  const wait = errors.seconds('wait', query.get('wait'), { min: 0, max: state.maxWait }) ?? 0;
  const budget =
    errors.integer('max_bytes', query.get('max_bytes'), { min: 1, max: state.maxAnswerBytes }) ??
    state.maxAnswerBytes;
  // Partitions the queue does not have hold nothing (as built: no error).
  const readable = partitions.filter(
    (partition) => partition >= 1 && partition <= queue.partitions,
  );
  if (readable.length * limit > MAX_READ_MESSAGES && !errors.has('limit')) {
    errors.add(
      'limit',
      `${readable.length} partitions x limit ${limit} is more than ${MAX_READ_MESSAGES} messages: ask for fewer partitions or a smaller limit`,
    );
  }
  errors.throwIfAny();
  const read = (partition: number, allowance?: Allowance, max = limit) => {
    const options: ReadOptions = { partition, limit: max, order, now: state.now(), ...allowance };
    if (since) options.since = since;
    return state.storage.readMessages(queue.application, queue.name, options);
  };
  const answers = new WeakMap<StoredMessage[], number[]>();
  const messages = await readQueueWithWait<StoredMessage>(context, queue, {
    partitions: readable,
    wait,
    read: async () => {
      const answer = (await readAtOnce()) ?? (await readOneByOne());
      answers.set(answer.messages, answer.partial);
      return answer.messages;
    },
    isNew: (message) => message.id !== since?.id,
    ...(order === 'ascending' ? { handOver: (watch, found) => handOver(watch.handed, found) } : {}),
    // By `before` (PostgreSQL) only a read of one partition: with several,
    // one `since` for all, another server's message in a partition no post
    // here woke would be missing from an answer that moves the reader on.
    ...(since && readable.length === 1 && readable[0] !== undefined
      ? { seen: new Map([[readable[0], since.id === undefined ? since.time - 1n : since.time]]) }
      : {}),
  });
  return {
    ...ok({ messages: messages.map(messageJson) }),
    headers: partialHeader(state.extensions, answers.get(messages) ?? []),
  };

  /**
   * The answer a read would give now: what the held read last found (not
   * cut by the budget) and the messages posted since (all of them, in commit
   * order: see ArrivalWatch), those at or after `since` and not expired, by
   * partition in the order asked, `limit` of each. Undefined (read instead)
   * when the posted ones are not known or the answer would fill the byte
   * budget, whose cut a read decides.
   */
  function handOver(
    handed: readonly StoredMessage[] | undefined,
    found: StoredMessage[],
  ): StoredMessage[] | undefined {
    // What the read before found (at most the `since` message) stays in a read's answer.
    if (!handed || (answers.get(found) ?? [undefined]).length > 0) return undefined;
    const answer = handedAnswer(
      [...found, ...handed],
      readable.map((partition) => ({ partition, includes: (m) => atOrAfter(m, since) })),
      { limit, budget, now: state.now() },
    );
    if (answer) answers.set(answer, []);
    return answer;
  }

  /** In one storage call; undefined when the storage cannot, or the budget stopped at `since`. */
  async function readAtOnce(): Promise<BudgetedAnswer | undefined> {
    if (!state.storage.readPartitions) return undefined;
    const answer = await readPartitionsWithinBudget(
      state.storage,
      { application: queue.application, queue: queue.name },
      {
        reads: readable.map((partition) => (since ? { partition, since } : { partition })),
        ...{ limit, order, now: state.now(), maxBytes: budget },
      },
    );
    const [only, ...more] = answer.messages;
    const stoppedAtSince =
      only && more.length === 0 && only.id === since?.id && answer.partial[0] === only.partition;
    return stoppedAtSince ? undefined : answer;
  }

  function readOneByOne(): Promise<BudgetedAnswer> {
    return readWithinBudget(readable, budget, async (partition, allowance) => {
      const page = await read(partition, allowance);
      if (!(allowance.firstAlways && page.cut && page.length === 1 && page[0]?.id === since?.id))
        return page;
      // The budget stopped at the `since` message, which the reader has: the
      // answer carries the one after it alone instead, so the reader gets on.
      const next = (await read(partition, undefined, 2)).filter((m) => m.id !== since?.id);
      return readPage(next.slice(0, 1), next.length > 0 && limit > 1);
    });
  }
};

/** Whether a read from `since` (inclusive) includes the message. */
function atOrAfter(message: StoredMessage, since: ReadOptions['since']): boolean {
  if (!since) return true;
  if (since.id === undefined) return message.time >= since.time;
  return comparePositions(message, { time: since.time, id: since.id }) >= 0;
}

/** A message id (inclusive of that message) or epoch seconds. */
function parseSince(raw: string | undefined, errors: FieldErrors): ReadOptions['since'] {
  if (isMissing(raw)) return undefined;
  const text = raw.trim();
  if (isUuidHex(text)) {
    const id = text.toLowerCase();
    return { time: uuidTime(id), id };
  }
  if (DECIMAL.test(text)) {
    try {
      return { time: timeFromEpochSeconds(text) };
    } catch {
      return { time: MAX_TIME }; // beyond the last representable time: nothing is newer
    }
  }
  errors.add('since', `${quote(raw)} is neither a message id (32 hex digits) nor epoch seconds`);
  return undefined;
}

/** `1` or `1,2,3`; default `[1]`; duplicates read once. */
function parsePartitions(raw: string | undefined, errors: FieldErrors): number[] {
  if (isMissing(raw)) return [1];
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (!items.every((item) => PARTITION_LIST.test(item))) {
    errors.add(
      'partitions',
      `${quote(raw)} is not a valid comma separated list of integers or a single integer.`,
    );
    return [];
  }
  return [...new Set(items.map((item) => Number(item)))];
}
