/**
 * The `positions` extension (QUEUEY_API.md "Multi-partition fetch"): one read
 * names several partitions, each with its own position, and gets the
 * messages strictly after each one. With `wait` it is held while all of them
 * are empty, and its answer is then read afresh from the position of each
 * partition a message arrived in (the others hold nothing new), so it hands
 * over exactly the messages after each partition's position.
 */
import { uuidTime } from '@qdo/common';
import type { StoredMessage } from '../../storage/types.js';
import { partialHeader, readPartitionsWithinBudget } from '../answer-budget.js';
import type { Handler } from '../context.js';
import { ok } from '../context.js';
import { messageJson } from '../message-fields.js';
import { FieldErrors, isMissing, quote } from '../validate.js';
import { comparePositions, handedAnswer, readQueueWithWait } from '../wait.js';
import { MAX_READ_MESSAGES } from './messages.js';
import { requireQueue } from './queues.js';

/** As many entries as a queue can have partitions. */
const MAX_ENTRIES = 200;
const ENTRY = /^(\d{1,9})(?::([0-9a-fA-F]{32}))?$/;

export interface Position {
  partition: number;
  /** Read strictly after this id; from the start when absent. */
  after?: string;
}

export const readPositions: Handler = async (context) => {
  const { state, query } = context;
  const queue = requireQueue(context);
  const errors = new FieldErrors();
  const positions = parsePositions(query.get('positions') ?? '', errors);
  const limit = errors.integer('limit', query.get('limit'), { min: 1, max: 1000 }) ?? 100;
  const wait = errors.seconds('wait', query.get('wait'), { min: 0, max: state.maxWait }) ?? 0;
  const budget =
    errors.integer('max_bytes', query.get('max_bytes'), { min: 1, max: state.maxAnswerBytes }) ??
    state.maxAnswerBytes;
  for (const other of ['since', 'partitions']) {
    if (!isMissing(query.get(other))) errors.add(other, `not allowed with positions`);
  }
  const order = query.get('order');
  if (!isMissing(order) && order !== 'ascending') {
    errors.add('order', `${quote(order)} is not allowed with positions (always ascending)`);
  }
  // Partitions the queue does not have hold nothing, as in a plain read.
  const readable = positions.filter((p) => p.partition >= 1 && p.partition <= queue.partitions);
  if (readable.length * limit > MAX_READ_MESSAGES && !errors.has('limit')) {
    errors.add(
      'limit',
      `${readable.length} partitions x limit ${limit} is more than ${MAX_READ_MESSAGES} messages: name fewer partitions or a smaller limit`,
    );
  }
  errors.throwIfAny();
  const answers = new WeakMap<StoredMessage[], number[]>();
  const read = async (arrivedIn?: ReadonlySet<number>) => {
    const wanted = readable.filter((p) => !arrivedIn || arrivedIn.has(p.partition));
    const answer = await readPartitionsWithinBudget(
      state.storage,
      { application: queue.application, queue: queue.name },
      {
        reads: wanted.map(({ partition, after }) =>
          after === undefined
            ? { partition }
            : { partition, since: { time: uuidTime(after), id: after, exclusive: true } },
        ),
        ...{ limit, order: 'ascending', now: state.now(), maxBytes: budget },
      },
    );
    answers.set(answer.messages, answer.partial);
    return answer.messages;
  };
  const messages = await readQueueWithWait(context, queue, {
    partitions: readable.map((p) => p.partition),
    wait,
    read,
    seen: new Map(
      readable.flatMap((p) => (p.after === undefined ? [] : [[p.partition, uuidTime(p.after)]])),
    ),
    handOver: (watch) => handOver(watch.handed),
  });
  return {
    ...ok({ messages: messages.map(messageJson) }),
    headers: partialHeader(state.extensions, answers.get(messages) ?? []),
  };

  /**
   * After a wake-up of a read that found nothing: the messages handed over
   * with the arrivals (see ArrivalWatch), those after each partition's
   * position and not expired, `limit` of each, in the order asked: what a
   * read would give now. Undefined (read instead) when they are not known
   * or would fill the byte budget, whose cut a read decides.
   */
  function handOver(handed: readonly StoredMessage[] | undefined): StoredMessage[] | undefined {
    if (!handed) return undefined;
    const answer = handedAnswer(
      handed,
      readable.map(({ partition, after }) => ({ partition, includes: (m) => isAfter(m, after) })),
      { limit, budget, now: state.now() },
    );
    if (answer) answers.set(answer, []);
    return answer;
  }
};

/** Whether the message comes after the position (an id), in (time, id) order. */
function isAfter(message: StoredMessage, after: string | undefined): boolean {
  if (after === undefined) return true;
  return comparePositions(message, { time: uuidTime(after), id: after }) > 0;
}

/** `1:<hex>,2:<hex>,3`: each entry `partition[:after-id]`, each partition once. */
export function parsePositions(raw: string, errors: FieldErrors): Position[] {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) {
    errors.add('positions', 'Required: a comma list of partition[:message-id]');
    return [];
  }
  if (items.length > MAX_ENTRIES) {
    errors.add('positions', `${items.length} entries; at most ${MAX_ENTRIES}`);
    return [];
  }
  const positions: Position[] = [];
  const seen = new Set<number>();
  for (const item of items) {
    const match = ENTRY.exec(item);
    const partition = Number(match?.[1]);
    if (!match || partition < 1) {
      errors.add(
        'positions',
        `${quote(item.slice(0, 60))} is not partition[:message-id] (a partition >= 1, an id of 32 hex digits)`,
      );
      return [];
    }
    if (seen.has(partition)) {
      errors.add('positions', `partition ${partition} is given more than once`);
      return [];
    }
    seen.add(partition);
    const after = match[2]?.toLowerCase();
    positions.push(after === undefined ? { partition } : { partition, after });
  }
  return positions;
}
