import type { QueueyClient } from '@qdo/queuey-client';

/** Creates the named queues that do not exist yet (the embedded default's `example`). */
export async function ensureQueues(queuey: QueueyClient, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const existing = new Set<string>();
  for await (const info of queuey.queues()) existing.add(info.queue_name);
  for (const name of names) {
    if (!existing.has(name)) await queuey.createQueue({ queueName: name });
  }
}
