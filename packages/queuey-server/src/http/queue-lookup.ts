import { errors } from '../errors.js';
import type { QueueRecord } from '../storage/types.js';
import type { AppState } from './context.js';

/** The queue as stored now, which also refreshes the cache; 404 when there is none. */
export async function lookUpQueue(
  state: AppState,
  application: string,
  name: string,
): Promise<QueueRecord> {
  const queue = await state.storage.getQueue(application, name);
  state.queues.set(application, name, queue);
  if (!queue) throw errors.notFound('InvalidQueueName', 'Queue of that name was not found.');
  return queue;
}
