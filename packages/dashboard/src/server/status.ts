import { StatusAdmin } from '@qdo/core';
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

/** The status of each of `names`, read as a worker reads it (core's StatusAdmin). */
export async function readStatus(
  queuey: QueueyClient,
  names: readonly string[],
): Promise<Map<string, StatusEntry>> {
  const status = await new StatusAdmin(queuey, 'dashboard').describeAll(names);
  return new Map(status.map((entry) => [entry.partition, entry]));
}
