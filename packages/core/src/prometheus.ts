import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Labels, Metrics } from './metrics.js';

type Metric = Counter<string> | Gauge<string> | Histogram<string>;

/** `worker.job_time` -> `qdo_worker_job_time` */
function metricName(name: string): string {
  return `qdo_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

function labelValues(labels: Labels | undefined): Record<string, string | number> {
  return labels ?? {};
}

/**
 * Metrics for Prometheus: timings are histograms in seconds
 * (`qdo_worker_job_time_seconds`), increments counters (`..._total`),
 * gauges gauges. Each metric is created on first use with the label names
 * of that use.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry: Registry;
  readonly #metrics = new Map<string, Metric>();

  constructor(options: { registry?: Registry } = {}) {
    this.registry = options.registry ?? new Registry();
  }

  #get<M extends Metric>(
    name: string,
    labels: Labels | undefined,
    create: (config: {
      name: string;
      help: string;
      labelNames: string[];
      registers: Registry[];
    }) => M,
    suffix: string,
  ): M {
    const full = metricName(name) + suffix;
    let metric = this.#metrics.get(full) as M | undefined;
    if (!metric) {
      metric = create({
        name: full,
        help: `qdo ${name}`,
        labelNames: Object.keys(labels ?? {}).sort(),
        registers: [this.registry],
      });
      this.#metrics.set(full, metric);
    }
    return metric;
  }

  timing(name: string, ms: number, labels?: Labels): void {
    const histogram = this.#get(name, labels, (c) => new Histogram(c), '_seconds');
    histogram.observe(labelValues(labels), ms / 1000);
  }

  increment(name: string, labels?: Labels, by = 1): void {
    const counter = this.#get(name, labels, (c) => new Counter(c), '_total');
    counter.inc(labelValues(labels), by);
  }

  gauge(name: string, value: number, labels?: Labels): void {
    const gauge = this.#get(name, labels, (c) => new Gauge(c), '');
    gauge.set(labelValues(labels), value);
  }

  /** The text exposition format, for a `/metrics` endpoint. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
