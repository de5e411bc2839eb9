import { epochMsFromTime, isUuidHex, uuidTime } from '@qdo/common';
import {
  ERROR_QUEUE,
  type PartitionProgress,
  type PauseMark,
  parsePartition,
  STATUS_QUEUE,
  StatusAdmin,
  type StuckMark,
} from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';

export interface PartitionStatus {
  partition: string;
  /** `last_worker` of its status message; undefined when never processed. */
  owner: string | undefined;
  /** Last processed message id. */
  processed: string | undefined;
  /** When that message was posted (from its UUID1 id), ISO 8601. */
  processedAt: string | undefined;
  /** Messages after `processed`, counted up to `LAG_CAP`. */
  lag: number;
  /** More messages wait than `lag` says: the count stopped at `LAG_CAP`. */
  lagCapped: boolean;
  /** Age in seconds of the oldest unprocessed message; 0 when caught up. */
  lagSeconds: number;
  /** `sp:id` of the status message the position comes from. */
  statusMessage: string | undefined;
  /** Why the status cannot be trusted: the worker leaves the partition alone until `qdo seek`. */
  corrupt: string | undefined;
  /**
   * The message whose job ignored its abort signal past the grace, and since
   * when (ISO 8601): its worker waits for it; cleared by the partition's next commit.
   */
  stuck: StuckMark | undefined;
  /** Set by `qdo pause` (who, since when): its worker starts no job on it until `qdo resume`. */
  paused?: PauseMark | undefined;
}

export const LAG_CAP = 10_000;
/** Milliseconds since 1970 of a UUID1 id (dashes allowed); undefined for other ids. */
export function uuid1Time(id: string): number | undefined {
  const hex = id.replace(/-/g, '');
  if (!isUuidHex(hex) || hex[12] !== '1') return undefined;
  return epochMsFromTime(uuidTime(hex));
}

/** Every work partition with its owner, position and lag; `now` in epoch ms. */
export async function collectStatus(
  queuey: QueueyClient,
  now: () => number = Date.now,
): Promise<PartitionStatus[]> {
  const names: string[] = [];
  const queues = [];
  for await (const q of queuey.queues({ details: true }))
    if (q.queue_name !== STATUS_QUEUE && q.queue_name !== ERROR_QUEUE) queues.push(q);
  for (const q of queues.sort((a, b) => a.queue_name.localeCompare(b.queue_name)))
    for (let p = 1; p <= (q.partitions ?? 1); p++) names.push(`${q.queue_name}-${p}`);
  // Read as a worker reads them: its own message first, else the newest legacy one.
  const status = await new StatusAdmin(queuey, 'qdo status').describeAll(names);
  const result: PartitionStatus[] = [];
  for (const progress of status) result.push(await partitionStatus(queuey, progress, now));
  return result;
}

async function partitionStatus(
  queuey: QueueyClient,
  progress: PartitionProgress,
  now: () => number,
): Promise<PartitionStatus> {
  const { queue, partition } = parsePartition(progress.partition);
  const processed = progress.processed || undefined;
  const time = processed ? uuid1Time(processed) : undefined;
  let lag = 0;
  let lagCapped = false;
  let oldest: number | undefined;
  for await (const m of queuey.iterateMessages(queue, {
    partition,
    pageSize: 1000,
    ...(processed ? { since: processed } : {}),
  })) {
    if (m.message_id === processed) continue;
    if (lag === LAG_CAP) {
      lagCapped = true;
      break;
    }
    oldest ??= Number(m.timestamp) * 1000;
    lag++;
  }
  return {
    partition: progress.partition,
    owner: progress.lastWorker,
    processed,
    processedAt: time === undefined ? undefined : new Date(time).toISOString(),
    lag,
    lagCapped,
    lagSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((now() - oldest) / 1000)),
    statusMessage: progress.statusMessage,
    corrupt: progress.corrupt,
    stuck: progress.stuck,
    ...(progress.paused ? { paused: progress.paused } : {}),
  };
}
