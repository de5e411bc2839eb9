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
