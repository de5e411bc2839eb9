import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../src/index.js';
import { guardMetrics } from '../src/metrics.js';

describe('PrometheusMetrics', () => {
  it('exposes timings as seconds histograms, counters and gauges', async () => {
    const m = new PrometheusMetrics();
    m.timing('worker.job_time', 250);
    m.increment('worker.wait_for_jobs');
    m.increment('worker.messages_processed', { partition: 'q-1' }, 2);
    m.gauge('worker.lag_seconds', 3.5, { partition: 'q-1' });
    const text = await m.text();
    expect(text).toContain('qdo_worker_job_time_seconds_sum 0.25');
    expect(text).toContain('qdo_worker_wait_for_jobs_total 1');
    expect(text).toContain('qdo_worker_messages_processed_total{partition="q-1"} 2');
    expect(text).toContain('qdo_worker_lag_seconds{partition="q-1"} 3.5');
  });
});

describe('guardMetrics', () => {
  it('logs a failing sink once per name and never throws', () => {
    const warnings: unknown[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (...a: unknown[]) => warnings.push(a),
    };
    const broken = {
      timing() {
        throw new Error('sink down');
      },
      increment() {
        throw new Error('sink down');
      },
      gauge() {},
    };
    const m = guardMetrics(broken, logger);
    expect(() => m.timing('a', 1)).not.toThrow();
    m.timing('a', 1);
    m.increment('b');
    expect(warnings).toHaveLength(2);
  });
});
