import { type Metric, Registry } from 'prom-client';
import { type Labels, METRIC_HELP, type Metrics } from './metrics.js';

/**
 * Metrics for Prometheus: timings are histograms in seconds
 * (`qdo_worker_job_time_seconds`), increments counters (`..._total`),
 * gauges gauges. Each metric is created on first use with the label names
 * of that use, and registered in a prom-client `Registry` for exposition.
 *
 * The worker reports a few metrics per message, so recording must cost next
 * to nothing: a metric is found by its dotted name in a Map, its child by
 * the label values in nested Maps (one level per label name, so no key
 * string is built), and a child is a few number fields. prom-client's own
 * metrics hash the labels object into a string on every call, children
 * included; here that work happens once per label set, at creation.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry: Registry;
  readonly #histograms = new Map<string, Family<HistogramChild>>();
  readonly #counters = new Map<string, Family<CounterChild>>();
  readonly #gauges = new Map<string, Family<GaugeChild>>();

  constructor(options: { registry?: Registry } = {}) {
    this.registry = options.registry ?? new Registry();
  }

  timing(name: string, ms: number, labels?: Labels): void {
    const family =
      this.#histograms.get(name) ??
      this.#add(this.#histograms, name, labels, '_seconds', 'histogram', newHistogramChild);
    const child = family.child(labels);
    const seconds = ms / 1000;
    const bounds = BUCKETS;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    child.buckets[i] = (child.buckets[i] as number) + 1;
    child.sum += seconds;
    child.count += 1;
  }

  increment(name: string, labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter ${name} cannot be increased by ${by}`);
    const family =
      this.#counters.get(name) ??
      this.#add(this.#counters, name, labels, '_total', 'counter', newValueChild);
    family.child(labels).value += by;
  }

  gauge(name: string, value: number, labels?: Labels): void {
    const family =
      this.#gauges.get(name) ?? this.#add(this.#gauges, name, labels, '', 'gauge', newValueChild);
    family.child(labels).value = value;
  }

  /** The text exposition format, for a `/metrics` endpoint. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  #add<C extends Child>(
    families: Map<string, Family<C>>,
    name: string,
    labels: Labels | undefined,
    suffix: string,
    type: MetricType,
    create: () => C,
  ): Family<C> {
    const family = new Family<C>({
      name: `qdo_${name.replace(/[^a-zA-Z0-9_]/g, '_')}${suffix}`,
      help: METRIC_HELP[name] ?? `qdo worker metric ${name}`,
      type,
      labelNames: Object.keys(labels ?? {}).sort(),
      create,
    });
    this.registry.registerMetric(family as unknown as Metric);
    families.set(name, family);
    return family;
  }
}

/** prom-client's default buckets, in seconds. */
const BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Child {
  labels: Record<string, string>;
}
interface CounterChild extends Child {
  value: number;
}
type GaugeChild = CounterChild;
interface HistogramChild extends Child {
  /** Per bucket (not cumulative); the last one counts values above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

const newValueChild = (): CounterChild => ({ labels: {}, value: 0 });
const newHistogramChild = (): HistogramChild => ({
  labels: {},
  buckets: new Float64Array(BUCKETS.length + 1),
  sum: 0,
  count: 0,
});

type Tree<C> = Map<string | number, Tree<C> | C>;

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * One metric and its children, shaped as prom-client's Registry expects of
 * a metric (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`).
 */
class Family<C extends Child> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly aggregator = 'sum';
  readonly #labelNames: readonly string[];
  readonly #create: () => C;
  #unlabelled: C | undefined;
  #tree: Tree<C> = new Map();
  #children: C[] = [];

  constructor(o: {
    name: string;
    help: string;
    type: MetricType;
    labelNames: string[];
    create: () => C;
  }) {
    this.name = o.name;
    this.help = o.help;
    this.type = o.type;
    this.#labelNames = o.labelNames;
    this.#create = o.create;
  }

  /** The child of these label values: Map lookups only, no allocation once it exists. */
  child(labels: Labels | undefined): C {
    const names = this.#labelNames;
    if (names.length === 0) {
      this.#unlabelled ??= this.#born(labels);
      return this.#unlabelled;
    }
    if (!labels) throw this.#missing(names[0] as string);
    let node: Tree<C> = this.#tree;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labels[names[i] as string];
      if (value === undefined) throw this.#missing(names[i] as string);
      let next = node.get(value) as Tree<C> | undefined;
      if (!next) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    const value = labels[names[last] as string];
    if (value === undefined) throw this.#missing(names[last] as string);
    let child = node.get(value) as C | undefined;
    if (!child) {
      child = this.#born(labels);
      node.set(value, child);
    }
    return child;
  }

  #born(labels: Labels | undefined): C {
    const child = this.#create();
    for (const name of this.#labelNames) child.labels[name] = String(labels?.[name]);
    this.#children.push(child);
    return child;
  }

  #missing(label: string): Error {
    return new Error(
      `metric ${this.name} is labelled by ${this.#labelNames.join(', ')}: ${label} is missing`,
    );
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: MetricType;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const values: ExportedValue[] = [];
    for (const child of this.#children) {
      if (this.type !== 'histogram') {
        values.push({ labels: child.labels, value: (child as unknown as CounterChild).value });
        continue;
      }
      const h = child as unknown as HistogramChild;
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += h.buckets[i] as number;
        values.push({
          labels: { le, ...h.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push(
        { labels: { le: '+Inf', ...h.labels }, value: h.count, metricName: `${this.name}_bucket` },
        { labels: h.labels, value: h.sum, metricName: `${this.name}_sum` },
        { labels: h.labels, value: h.count, metricName: `${this.name}_count` },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  reset(): void {
    this.#unlabelled = undefined;
    this.#tree = new Map();
    this.#children = [];
  }
}
