import { QdoConfigError } from './errors.js';

export interface WorkerSettings {
  /** Appended to `${hostname}-${pid}` to form the worker name. Default none. */
  name?: string;
  /** Seconds of the first idle wait, doubled per idle round up to 2^10. Default 30. */
  waitInterval?: number;
  /** Messages read per partition and request, 1..1000. Default 100. */
  batchSize?: number;
  /** Partitions processed at once. Default 1. */
  concurrency?: number;
  /** 0 = commit progress after each batch (default); N = also after every N messages. */
  commitEvery?: number;
  /** Seconds the server may hold an idle read (`wait`), 0..30; 0 = off (default). */
  longPoll?: number;
  /** Seconds after which a job that has not settled counts as failed; 0 = none (default). */
  jobTimeout?: number;
  /** Seconds between looking for new queues and partitions. Default 5. */
  discoveryInterval?: number;
  /** Seconds a stopping worker waits for jobs in hand before it aborts them. Default 30. */
  shutdownTimeout?: number;
  /** Seconds the idle back-off may grow to. Default 60. */
  maxWait?: number;
}

export type ResolvedSettings = Required<Omit<WorkerSettings, 'name'>> & {
  name: string | undefined;
};

/** One worker setting: its INI key in `[qdo-worker]`, type, range, default and doc. */
export interface SettingRule {
  key: keyof WorkerSettings;
  /** snake_case key in the `[qdo-worker]` section of a qdo config file. */
  ini: string;
  type: 'integer' | 'seconds' | 'string';
  min?: number;
  max?: number;
  default: unknown;
  /** One line for --help and the README. */
  doc: string;
}

/** Every worker setting, the one source for defaults, ranges, the CLI's INI check and --help. */
export const settingRules: readonly SettingRule[] = [
  {
    key: 'name',
    ini: 'name',
    type: 'string',
    default: undefined,
    doc: 'appended to host-pid to name the worker',
  },
  {
    key: 'waitInterval',
    ini: 'wait_interval',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 30,
    doc: 'first idle wait, doubled per idle round up to max_wait',
  },
  {
    key: 'batchSize',
    ini: 'batch_size',
    type: 'integer',
    min: 1,
    max: 1000,
    default: 100,
    doc: 'messages read per partition and request',
  },
  {
    key: 'concurrency',
    ini: 'concurrency',
    type: 'integer',
    min: 1,
    max: 1000,
    default: 1,
    doc: 'partitions processed at once',
  },
  {
    key: 'commitEvery',
    ini: 'commit_every',
    type: 'integer',
    min: 0,
    max: 1_000_000,
    default: 0,
    doc: 'also commit progress every N messages; 0 = after each batch only',
  },
  {
    key: 'longPoll',
    ini: 'long_poll',
    type: 'seconds',
    min: 0,
    max: 30,
    default: 0,
    doc: 'seconds the server may hold an idle read (Queuey wait); 0 = off',
  },
  {
    key: 'jobTimeout',
    ini: 'job_timeout',
    type: 'seconds',
    min: 0,
    max: 86_400 * 7,
    default: 0,
    doc: 'a job not settled after this counts as failed; 0 = no limit',
  },
  {
    key: 'discoveryInterval',
    ini: 'discovery_interval',
    type: 'seconds',
    min: 0.01,
    max: 86_400,
    default: 5,
    doc: 'seconds between looking for new queues and partitions',
  },
  {
    key: 'shutdownTimeout',
    ini: 'shutdown_timeout',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 30,
    doc: 'on stop, seconds to wait for jobs in hand before aborting them',
  },
  {
    key: 'maxWait',
    ini: 'max_wait',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 60,
    doc: 'cap of the idle back-off, in seconds',
  },
];

export const defaultSettings = Object.fromEntries(
  settingRules.map((rule) => [rule.key, rule.default]),
) as ResolvedSettings;

/** Defaults filled in and every value checked now, not at first use. */
export function resolveSettings(settings: WorkerSettings = {}): ResolvedSettings {
  const resolved: ResolvedSettings = { ...defaultSettings };
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const rule = settingRules.find((r) => r.key === key);
    if (!rule) throw new QdoConfigError(`unknown worker setting "${key}"`);
    if (rule.type === 'string') {
      if (typeof value !== 'string') throw new QdoConfigError(`settings.${key} must be a string`);
      (resolved as unknown as Record<string, unknown>)[key] = value || undefined;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new QdoConfigError(`settings.${key} must be a number, got ${JSON.stringify(value)}`);
    }
    if (rule.type === 'integer' && !Number.isInteger(value)) {
      throw new QdoConfigError(`settings.${key} must be an integer, got ${value}`);
    }
    if (value < (rule.min ?? -Infinity) || value > (rule.max ?? Infinity)) {
      throw new QdoConfigError(
        `settings.${key} must be between ${rule.min} and ${rule.max}, got ${value}`,
      );
    }
    (resolved as unknown as Record<string, number>)[key] = value;
  }
  return resolved;
}
