import { toError, UncleanShutdownError, type Unsaved } from './errors.js';
import type { Logger } from './logger.js';
import type { PartitionSet } from './partition-set.js';
import type { PartitionState } from './partition-state.js';
import type { Partitioner } from './partitioner.js';

/** What a stop left unsaved: positions not committed, jobs that never settled. */
export function unsaved(states: readonly PartitionState[]): Unsaved[] {
  const out: Unsaved[] = [];
  for (const state of states) {
    if (state.stuckOn !== undefined) {
      out.push({ partition: state.name, reason: `job on ${state.stuckOn} did not settle` });
    } else if (state.uncommitted > 0 && state.status !== 'fenced') {
      out.push({
        partition: state.name,
        reason: `${state.uncommitted} finished message(s) after the saved position not committed`,
      });
    }
  }
  return out;
}

/**
 * Drains the loops, leaves the partitioner, tears the context down; resolves
 * with the error work() should reject with, if any.
 */
export async function shutDown(o: {
  parts: PartitionSet;
  closeContext(): Promise<void>;
  partitioner: Partitioner | undefined;
  logger: Logger;
}): Promise<Error | undefined> {
  const states = o.parts.states();
  o.partitioner?.stopping?.();
  await o.parts.stopAll();
  let failure: Error | undefined;
  // The partitioner first: every position is committed by now, so the
  // others may take the partitions over while the job context tears down.
  for (const step of [() => o.partitioner?.stop() ?? Promise.resolve(), o.closeContext]) {
    try {
      await step();
    } catch (error) {
      o.logger.error('error while shutting down', error);
      failure ??= toError(error);
    }
  }
  const left = unsaved(states);
  return failure ?? (left.length > 0 ? new UncleanShutdownError(left) : undefined);
}
