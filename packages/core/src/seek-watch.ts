import type { Clock } from '@qdo/common';
import type { Logger } from './logger.js';
import type { PartitionSet } from './partition-set.js';
import type { ProgressStore } from './progress.js';
import { waitTimer } from './settle.js';

/**
 * How often a worker reads the status messages of the partitions it works
 * on, to notice a `qdo seek`: what may still run from the old position after
 * a seek is the job in hand plus about this much of jobs.
 */
export const SEEK_CHECK_MS = 500;

/**
 * Notices a seek without waiting for the next commit (which a seek fences):
 * every SEEK_CHECK_MS one read of the status messages of the running
 * partitions; a partition whose status someone else wrote starts over from
 * it at once, even while it waits caught up for new messages. The same read
 * notices `qdo pause` and `qdo resume` (the `paused` key of a status we
 * still hold): the partition's loop stops or goes on starting jobs.
 */
export async function watchSeeks(o: {
  progress: ProgressStore;
  parts: PartitionSet;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}): Promise<void> {
  while (!o.signal.aborted) {
    await waitTimer(o.clock, SEEK_CHECK_MS, o.signal);
    if (o.signal.aborted) return;
    const running = o.parts.running();
    if (running.length === 0) continue;
    try {
      const { moved, paused } = await o.progress.watch(running);
      for (const name of moved) o.parts.restart(name);
      for (const [name, flag] of paused) o.parts.setPaused(name, flag);
    } catch (error) {
      // An outage: the loops meet it and back off; the next round tries again.
      o.logger.debug('could not read the status messages to notice a seek or pause', error);
    }
  }
}
