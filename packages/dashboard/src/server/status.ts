import { createLogger, ProgressStore } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';

/** One work partition's status in qdo_status, as a worker reads it. */
export interface StatusEntry {
  /** Last processed message id; '' when none yet. */
  processed: string;
  lastWorker: string | undefined;
  /** Why a worker would refuse this status (CorruptStatusError), if it would. */
  corrupt: string | undefined;
  /** The message whose job ignored its abort signal, while its worker waits for it. */
  stuck: { message: string; since: string } | undefined;
  /** Set while `qdo pause` holds the partition. */
  paused?: { by: string; since: string } | undefined;
}

const quiet = createLogger({ type: 'hidden' });

/** core's ProgressStore, as `qdo status` and `qdo seek` use it. */
export const progressStore = (queuey: QueueyClient, worker: string) =>
  new ProgressStore({ queuey, worker, now: Date.now, logger: quiet });

/** The status of each of `names`, read like a worker reads it (core's ProgressStore). */
export async function readStatus(
  queuey: QueueyClient,
  names: readonly string[],
): Promise<Map<string, StatusEntry>> {
  const store = progressStore(queuey, 'dashboard');
  await store.load();
  return new Map(names.map((name) => [name, store.describe(name)]));
}
