import type { QueueyClient } from '@qdo/queuey-client';
import type { PeekView } from '../api-types.js';
import { preview } from './failures.js';
import { checkPartition } from './queues.js';
import { readStatus } from './status.js';

/** The most messages one peek shows. */
export const PEEK_MAX = 100;
const PREVIEW_CHARS = 500;

/** The committed position of `Q-N`; '' when none (no status yet, or a queue workers do not read). */
async function positionOf(queuey: QueueyClient, name: string): Promise<string> {
  const entry = (await readStatus(queuey, [name])).get(name);
  // A corrupt status has no position a worker would use: show from the beginning.
  return entry?.corrupt ? '' : (entry?.processed ?? '');
}

/**
 * The next `limit` messages of a partition after its committed position:
 * what its worker reads next. Reads only; qdo_error and qdo_status, which
 * have no position, are shown from their beginning.
 */
export async function peekPartition(
  queuey: QueueyClient,
  options: { queue: string; partition: number; limit: number },
): Promise<PeekView> {
  const { queue, partition, limit } = options;
  const partitions = await checkPartition(queuey, queue, partition);
  const position = await positionOf(queuey, `${queue}-${partition}`);
  const messages: PeekView['messages'] = [];
  let more = false;
  const pages = queuey.iterateMessages(queue, {
    partition,
    pageSize: Math.min(limit + 1, 1000),
    ...(position ? { since: position } : {}),
  });
  for await (const m of pages) {
    if (messages.length === limit) {
      more = true;
      break;
    }
    messages.push({
      messageId: m.message_id,
      postedAt: new Date(Number(m.timestamp) * 1000).toISOString(),
      body: preview(m.body, PREVIEW_CHARS),
    });
  }
  return { queue, partition, partitions, position, messages, more };
}
