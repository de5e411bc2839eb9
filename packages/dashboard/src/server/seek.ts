import { type SeekTarget, StatusAdmin } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';

export type { SeekTarget } from '@qdo/core';

/**
 * Moves a work partition's position with core's StatusAdmin, as `qdo seek`
 * does: the worker holding the partition is fenced (its next commit is
 * refused) and starts again from the new position.
 */
export async function seekPartition(
  queuey: QueueyClient,
  options: { partition: string; target: SeekTarget; worker: string },
): Promise<{ processed: string }> {
  const { processed } = await new StatusAdmin(queuey, options.worker).seek(
    options.partition,
    options.target,
  );
  return { processed };
}
