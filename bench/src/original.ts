/**
 * The original qdo algorithm, per message: one GET of the partition's status
 * message, one GET of messages after it with limit 2, one PUT of the status;
 * run through our client against our server.
 */
import { performance } from 'node:perf_hooks';
import { STATUS_QUEUE, statusPartition } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';

export async function drainOriginal(options: {
  client: QueueyClient;
  queue: string;
  partitions: number;
  expected: number;
}): Promise<number> {
  const { client, queue } = options;
  await client.createQueue({ queueName: STATUS_QUEUE, partitions: 7 });
  const status = new Map<number, string>();
  for (let p = 1; p <= options.partitions; p++) {
    const body = JSON.stringify({ partition: `${queue}-${p}`, processed: '' });
    const posted = await client.postMessage(STATUS_QUEUE, body, { partition: statusPartition(p) });
    status.set(p, posted.key);
  }
  let count = 0;
  const start = performance.now();
  const open = new Set(status.keys());
  while (open.size > 0) {
    for (const p of [...open]) {
      const id = { partition: statusPartition(p), id: status.get(p) as string };
      const [current] = await client.getMessages(STATUS_QUEUE, [id]);
      const processed = current ? (JSON.parse(current.body).processed as string) : '';
      const messages = await client.messages(queue, {
        partition: p,
        since: processed || undefined,
        limit: 2,
      });
      const next = messages.find((m) => m.message_id !== processed);
      if (!next) {
        open.delete(p);
        continue;
      }
      count += 1; // the no-op job
      const body = JSON.stringify({ partition: `${queue}-${p}`, processed: next.message_id });
      await client.putMessages(STATUS_QUEUE, [id], body);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (count !== options.expected)
    throw new Error(`original algorithm processed ${count} of ${options.expected}`);
  return count / seconds;
}
