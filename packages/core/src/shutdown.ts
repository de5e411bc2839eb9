import { toError, UncleanShutdownError, type Unsaved } from './errors.js';
import type { Logger } from './logger.js';
import type { PartitionSet } from './partition-set.js';
import type { PartitionState } from './partition-state.js';
import type { Partitioner } from './partitioner.js';
import type { ResolvedSettings } from './settings.js';
import { delay } from './settle.js';

async function within(work: Promise<void>, ms: number): Promise<boolean> {
  const timer = delay(ms);
  const done = await Promise.race([work.then(() => true), timer.promise.then(() => false)]);
  timer.cancel();
  return done;
}

/**
 * Step 6 of the loop: every partition stopped reading; jobs in hand get
 * `shutdownTimeout` to finish, then their signals abort and they get a
 * short grace (at most half a second) to settle; the worker then gives up
 * on them. Each loop commits what finished as it ends.
 */
export async function drain(o: {
  stopAll(): Promise<void>;
  shutdownTimeout: number;
  abortGrace: number;
  abortJobs: AbortController;
  abandon: AbortController;
  logger: Logger;
}): Promise<void> {
  const all = o.stopAll();
  if (await within(all, o.shutdownTimeout * 1000)) return;
  o.logger.warn(`jobs still running ${o.shutdownTimeout} s after the stop: aborting them`);
  o.abortJobs.abort();
  if (await within(all, Math.min(o.abortGrace, 0.5) * 1000)) return;
  o.abandon.abort();
  await all;
}

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
 * Drains the loops, tears the context down, leaves the partitioner; resolves
 * with the error work() should reject with, if any.
 */
export async function shutDown(o: {
  parts: PartitionSet;
  closeContext(): Promise<void>;
  partitioner: Partitioner | undefined;
  settings: ResolvedSettings;
  abortJobs: AbortController;
  abandon: AbortController;
  logger: Logger;
}): Promise<Error | undefined> {
  const states = o.parts.states();
  const { shutdownTimeout, abortGrace } = o.settings;
  await drain({
    ...{ stopAll: () => o.parts.stopAll(), shutdownTimeout, abortGrace, logger: o.logger },
    ...{ abortJobs: o.abortJobs, abandon: o.abandon },
  });
  let failure: Error | undefined;
  for (const step of [o.closeContext, () => o.partitioner?.stop() ?? Promise.resolve()]) {
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
