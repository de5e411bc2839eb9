/**
 * Per-message cost of the worker's Prometheus metrics: the calls the loop
 * makes for each message (two lag gauges, the job-time histogram, the
 * processed counter, each with a fresh `{ partition }` labels object as the
 * call sites build it) through PrometheusMetrics, minus the same calls
 * through no-op metrics. In-process, so it is the sink's own cost, with V8
 * at its best (hot, monomorphic): a floor, not what a busy worker sees.
 * Timed in CPU time of this process, so other processes on the machine do
 * not count.
 */
import { type Metrics, noopMetrics, PrometheusMetrics } from '@qdo/core';
import type { BenchConfig } from './config.js';
import { type Figure, figure } from './figures.js';
import { spread } from './stats.js';

const PARTITIONS = Array.from({ length: 8 }, (_, i) => `bench-${i + 1}`);

/** CPU nanoseconds per message of the loop's metrics calls. */
function perMessage(metrics: Metrics, count: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const partition = PARTITIONS[i & 7] as string;
    const lag = { partition };
    metrics.gauge('worker.lag_messages', count - i, lag);
    metrics.gauge('worker.lag_seconds', 0.25, lag);
    metrics.timing('worker.job_time', 0.004);
    metrics.increment('worker.messages_processed', { partition });
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

export function metricsCost(config: BenchConfig): Figure[] {
  const count = config.quick ? 200_000 : 2_000_000;
  const prometheus = new PrometheusMetrics();
  perMessage(prometheus, count / 10); // warm-up: children exist, code is optimised
  perMessage(noopMetrics, count / 10);
  const on: number[] = [];
  const off: number[] = [];
  const cost: number[] = [];
  for (let r = 0; r < Math.max(3, config.rounds); r++) {
    const p = perMessage(prometheus, count);
    const n = perMessage(noopMetrics, count);
    on.push(p / 1000);
    off.push(n / 1000);
    cost.push(Math.max(0, p - n) / 1000);
  }
  return [
    figure(
      'metrics.prometheus',
      'per message: loop metrics calls, Prometheus (micro)',
      'us',
      spread(on),
    ),
    figure('metrics.noop', 'per message: loop metrics calls, no-op (micro)', 'us', spread(off)),
    figure('metrics.cost', 'per message: Prometheus metrics cost', 'us', spread(cost), {
      target: { op: '<=', value: 0.5 },
    }),
  ];
}
