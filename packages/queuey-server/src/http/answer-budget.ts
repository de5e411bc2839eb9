/**
 * One byte budget for a whole read answer (extensions `max-bytes` and
 * `partial`, QUEUEY_API.md): the partitions are read in the order asked,
 * each from what the budget has left, and once the answer holds a message
 * nothing more may take it past the budget. So an answer carries at least
 * one message when any is stored (a message bigger than the budget comes
 * alone), and never more than the budget otherwise, however many
 * partitions it names: a server's memory is bounded by answers x budget.
 * Once the budget stops a partition the later ones are not read. Those
 * partitions are named in `X-Queuey-Partial`, so a client does not take
 * them for drained.
 */
import type {
  BudgetedAnswer,
  PartitionsRead,
  ReadPage,
  Storage,
  StoredMessage,
} from '../storage/types.js';

export type { BudgetedAnswer } from '../storage/types.js';

const PARTIAL_HEADER = 'X-Queuey-Partial';

/** What a partition's read may use of the answer's budget. */
export interface Allowance {
  maxBytes: number;
  /** Whether its first message comes even when bigger: only while the answer is empty. */
  firstAlways: boolean;
}

/**
 * Reads `partitions` in order within `budget` bytes of bodies. `read` returns
 * the partition's messages for the answer and whether the budget cut them.
 */
export async function readWithinBudget(
  partitions: readonly number[],
  budget: number,
  read: (partition: number, allowance: Allowance) => Promise<ReadPage>,
): Promise<BudgetedAnswer> {
  const messages: StoredMessage[] = [];
  const partial: number[] = [];
  let left = budget;
  for (const [index, partition] of partitions.entries()) {
    const page = await read(partition, { maxBytes: left, firstAlways: messages.length === 0 });
    for (const message of page) {
      left -= Buffer.byteLength(message.body);
      messages.push(message);
    }
    // Full: the later partitions are left unread rather than read to be thrown away.
    if (page.cut || left <= 0) {
      partial.push(...(page.cut ? [partition] : []), ...partitions.slice(index + 1));
      break;
    }
  }
  return { messages, partial };
}

/**
 * `readWithinBudget` of the storage's messages: in one call when the storage
 * reads several partitions at once (the same answer), else one by one.
 */
export function readPartitionsWithinBudget(
  storage: Storage,
  target: { application: string; queue: string },
  read: PartitionsRead,
): Promise<BudgetedAnswer> {
  const { application, queue } = target;
  if (storage.readPartitions) return storage.readPartitions(application, queue, read);
  const since = new Map(read.reads.map((r) => [r.partition, r.since]));
  const { limit, order, now } = read;
  return readWithinBudget([...since.keys()], read.maxBytes, (partition, allowance) => {
    const position = since.get(partition);
    return storage.readMessages(application, queue, {
      ...{ partition, limit, order, now, ...allowance },
      ...(position ? { since: position } : {}),
    });
  });
}

/** The answer's extra header: the partial partitions, when the extension is on and there are any. */
export function partialHeader(
  extensions: ReadonlySet<string>,
  partial: readonly number[],
): Record<string, string> {
  if (!extensions.has('partial') || partial.length === 0) return {};
  return { [PARTIAL_HEADER]: partial.join(',') };
}
