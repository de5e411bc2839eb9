import type { Logger } from './logger.js';

export type Labels = Record<string, string | number>;

/**
 * Where the worker reports what it does. Names are dotted (`worker.job_time`);
 * an implementation maps them to its own scheme.
 */
export interface Metrics {
  /** A duration in milliseconds. */
  timing(name: string, ms: number, labels?: Labels): void;
  increment(name: string, labels?: Labels, by?: number): void;
  gauge(name: string, value: number, labels?: Labels): void;
}

/**
 * What each metric the worker reports means, by its dotted name: the HELP
 * text of an exposition. A name not listed here gets a generic one.
 */
export const METRIC_HELP: Readonly<Record<string, string>> = {
  'worker.job_time': 'Time a job took, from its call until it settled.',
  'worker.job_failure_time': 'Time the job_failure hook took for a failed message.',
  'worker.wait_for_jobs':
    'Idle steps: times the worker waited because no owned partition had a message.',
  'worker.messages_processed': 'Messages whose job finished and that were marked processed.',
  'worker.messages_failed': 'Messages whose job failed and that were handed to job_failure.',
  'worker.lag_messages':
    'Messages read from the partition but not yet processed (the batch in hand and the one read ahead).',
  'worker.lag_seconds':
    'Age of the message in hand: now minus its timestamp (0 when the partition is caught up).',
  'worker.stuck': '1 while a job of the partition ignores its aborted signal past the grace.',
  'worker.corrupt': "1 while the partition is not run because its status can't be trusted.",
  'worker.corrupt_status':
    '1 while the status message read for the partition is corrupt (qdo seek or qdo status fixes it).',
  'worker.fenced_commits':
    'Commits refused because another owner took the partition over (fencing).',
};

export const noopMetrics: Metrics = {
  timing() {},
  increment() {},
  gauge() {},
};

/**
 * A metrics sink that throws must never break the loop: each failure is
 * logged once per metric name.
 */
export function guardMetrics(metrics: Metrics, logger: Logger): Metrics {
  const reported = new Set<string>();
  const guard =
    <A extends unknown[]>(kind: keyof Metrics, fn: (name: string, ...args: A) => void) =>
    (name: string, ...args: A) => {
      try {
        fn.call(metrics, name, ...args);
      } catch (error) {
        if (reported.has(name)) return;
        reported.add(name);
        logger.warn(
          `metrics ${kind} "${name}" failed; further failures of it are not logged`,
          error,
        );
      }
    };
  return {
    timing: guard('timing', metrics.timing),
    increment: guard('increment', metrics.increment),
    gauge: guard('gauge', metrics.gauge),
  };
}
