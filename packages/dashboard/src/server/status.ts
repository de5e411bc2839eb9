import { BOOKKEEPING_PARTITIONS, STATUS_QUEUE, timestampToTicks } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';

/** One work partition's status message in qdo_status, as a worker reads it. */
export interface StatusEntry {
  /** Its id in qdo_status, `sp:hex`: a seek overwrites it in place. */
  statusId: string;
  /** Last processed message id; '' when none yet. */
  processed: string;
  lastWorker: string | undefined;
  /** Why a worker would refuse this status (CorruptStatusError), if it would. */
  corrupt: string | undefined;
  ticks: bigint;
}

const MESSAGE_ID = /^[0-9a-f]{32}$/;

function decode(body: string): {
  partition?: string;
  entry: Omit<StatusEntry, 'statusId' | 'ticks'>;
} {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { entry: { processed: '', lastWorker: undefined, corrupt: 'body is not JSON' } };
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { entry: { processed: '', lastWorker: undefined, corrupt: 'body is not an object' } };
  const { partition, processed, last_worker } = parsed;
  const corrupt =
    processed !== undefined &&
    processed !== '' &&
    !(typeof processed === 'string' && MESSAGE_ID.test(processed))
      ? `processed ${JSON.stringify(processed)} is not a message id`
      : undefined;
  return {
    ...(typeof partition === 'string' ? { partition } : {}),
    entry: {
      processed: typeof processed === 'string' && !corrupt ? processed : '',
      lastWorker: typeof last_worker === 'string' ? last_worker : undefined,
      corrupt,
    },
  };
}

/**
 * Every status message of qdo_status (all pages of its 7 partitions); the
 * newest per work partition wins, as in core's ProgressStore.
 */
export async function readStatus(
  queuey: QueueyClient,
  signal?: AbortSignal,
): Promise<Map<string, StatusEntry>> {
  const status = new Map<string, StatusEntry>();
  for (let sp = 1; sp <= BOOKKEEPING_PARTITIONS; sp++) {
    for await (const message of queuey.iterateMessages(STATUS_QUEUE, {
      partition: sp,
      pageSize: 1000,
      ...(signal ? { signal } : {}),
    })) {
      const { partition, entry } = decode(message.body);
      if (partition === undefined) continue;
      const ticks = timestampToTicks(message.timestamp);
      const known = status.get(partition);
      if (known && known.ticks > ticks) continue;
      status.set(partition, { ...entry, statusId: `${sp}:${message.message_id}`, ticks });
    }
  }
  return status;
}
