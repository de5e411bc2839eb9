import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_HELP } from './metrics.js';
import { PrometheusMetrics } from './prometheus.js';

describe('PrometheusMetrics', () => {
  it('writes the same exposition text as prom-client for the same observations', async () => {
    const ours = new PrometheusMetrics();
    const theirs = new Registry();
    const histogram = new Histogram({
      name: 'qdo_worker_job_time_seconds',
      help: METRIC_HELP['worker.job_time'] as string,
      labelNames: ['partition'],
      registers: [theirs],
    });
    const counter = new Counter({
      name: 'qdo_worker_messages_processed_total',
      help: METRIC_HELP['worker.messages_processed'] as string,
      labelNames: ['partition', 'worker'],
      registers: [theirs],
    });
    const gauge = new Gauge({
      name: 'qdo_worker_lag',
      help: 'qdo worker metric worker.lag',
      registers: [theirs],
    });
    for (const [ms, partition] of [
      [0.2, 'q-1'],
      [5, 'q-1'],
      [7.5, 'q-2'],
      [300, 'q-1'],
      [20_000, 'q-2'],
    ] as const) {
      ours.timing('worker.job_time', ms, { partition });
      histogram.observe({ partition }, ms / 1000);
      ours.increment('worker.messages_processed', { worker: 'w', partition }, 2);
      counter.inc({ partition, worker: 'w' }, 2);
    }
    ours.gauge('worker.lag', 3.5);
    gauge.set(3.5);
    expect(await ours.text()).toBe(await theirs.metrics());
  });

  it('gives every metric the worker reports a HELP text of its own', async () => {
    const m = new PrometheusMetrics();
    for (const name of Object.keys(METRIC_HELP)) m.gauge(name, 1);
    const helps = (await m.text()).split('\n').filter((line) => line.startsWith('# HELP '));
    expect(helps).toHaveLength(Object.keys(METRIC_HELP).length);
    for (const line of helps) expect(line).not.toMatch(/# HELP \S+ qdo /);
    expect(await m.text()).toContain(
      '# HELP qdo_worker_lag_messages Messages read from the partition but not yet processed',
    );
  });

  it('keeps one child per label set, counting across calls', async () => {
    const m = new PrometheusMetrics();
    for (let i = 0; i < 3; i++) m.increment('worker.wait_for_jobs', { partition: 'q-1' });
    m.increment('worker.wait_for_jobs', { partition: 'q-2' });
    const text = await m.text();
    expect(text).toContain('qdo_worker_wait_for_jobs_total{partition="q-1"} 3');
    expect(text).toContain('qdo_worker_wait_for_jobs_total{partition="q-2"} 1');
  });

  it('rejects a call missing a label of the metric and a negative increment', () => {
    const m = new PrometheusMetrics();
    m.increment('worker.messages_failed', { partition: 'q-1' });
    expect(() => m.increment('worker.messages_failed')).toThrow(/partition is missing/);
    expect(() => m.increment('worker.messages_failed', { partition: 'q-1' }, -1)).toThrow(
      RangeError,
    );
  });
});
