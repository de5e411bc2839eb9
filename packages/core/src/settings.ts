import { QdoConfigError } from './errors.js';

export interface WorkerSettings {
  /** Appended to `${hostname}-${pid}` to form the worker name. Default none. */
  name?: string;
  /** 'json': each body is parsed with JSON.parse before the job. Default 'text' (as read). */
  body?: BodyFormat;
  /** Seconds of the first idle wait, doubled per idle round up to `maxWait`. Default 30. */
  waitInterval?: number;
  /** Cap in seconds of the idle back-off. Default 60. */
  maxWait?: number;
  /** Messages read per partition and request, 1..1000. Default 100. */
  batchSize?: number;
  /** Jobs in flight at once, across partitions. Default 1. */
  concurrency?: number;
  /** 0 = commit progress after each batch (default); N = also after every N messages. */
  commitEvery?: number;
  /** Seconds the server may hold an idle read (`wait`), 0..30; 0 = off. Default 20. */
  longPoll?: number;
  /** Seconds after which a job's signal aborts and the job counts as failed; 0 = none (default). */
  jobTimeout?: number;
  /** Seconds a job may take to settle after its signal aborted before its partition is stuck. Default 10. */
  abortGrace?: number;
  /** Seconds a stop waits for jobs in hand before aborting them. Default 30. */
  shutdownTimeout?: number;
  /** Seconds between looking for new queues and partitions. Default 5. */
  discoveryInterval?: number;
  /** Times a failed job runs again before job_failure gets its last error. Default 0. */
  retries?: number;
  /** Seconds of the first retry's wait, doubled per retry (full jitter). Default 1. */
  retryDelay?: number;
  /** Cap in seconds of the retry wait. Default 60. */
  retryMaxDelay?: number;
}

/** How the worker hands bodies to the job: as read, or parsed as JSON. */
export type BodyFormat = 'text' | 'json';

export type ResolvedSettings = Required<Omit<WorkerSettings, 'name'>> & {
  name: string | undefined;
};

/** One setting: the single source of its type, range, default, INI key and doc. */
export interface SettingRule {
  key: keyof WorkerSettings;
  /** The snake_case key in `[qdo-worker]`. */
  ini: string;
  type: 'integer' | 'seconds' | 'string' | 'choice';
  /** The values a 'choice' accepts. */
  values?: readonly string[];
  min?: number;
  max?: number;
  default: unknown;
  doc: string;
}

export const settingRules: readonly SettingRule[] = [
  {
    key: 'name',
    ini: 'name',
    type: 'string',
    default: undefined,
    doc: 'appended to `<hostname>-<pid>` to name the worker',
  },
  {
    key: 'body',
    ini: 'body',
    type: 'choice',
    values: ['text', 'json'],
    default: 'text',
    doc: 'text: the job gets each body as read; json: parsed with JSON.parse first (one that does not parse goes to job_failure)',
  },
  {
    key: 'waitInterval',
    ini: 'wait_interval',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 30,
    doc: 'first idle wait (x jitter, doubled per idle round up to max_wait) when not long-polling',
  },
  {
    key: 'maxWait',
    ini: 'max_wait',
    type: 'seconds',
    min: 0,
    max: 86_400 * 7,
    default: 60,
    doc: 'cap of the idle back-off',
  },
  {
    key: 'batchSize',
    ini: 'batch_size',
    type: 'integer',
    min: 1,
    max: 1000,
    default: 100,
    doc: 'messages read per partition and request; the most a job_batch hook gets at once',
  },
  {
    key: 'concurrency',
    ini: 'concurrency',
    type: 'integer',
    min: 1,
    max: 1000,
    default: 1,
    doc: 'jobs in flight at once, across partitions (one at a time per partition)',
  },
  {
    key: 'commitEvery',
    ini: 'commit_every',
    type: 'integer',
    min: 0,
    max: 1_000_000,
    default: 0,
    doc: 'commit progress every N messages; 0 = after each batch',
  },
  {
    key: 'longPoll',
    ini: 'long_poll',
    type: 'seconds',
    min: 0,
    max: 30,
    default: 20,
    doc: "seconds the server may hold an idle read (Queuey's `wait`); 0 = off; ignored by servers without it",
  },
  {
    key: 'jobTimeout',
    ini: 'job_timeout',
    type: 'seconds',
    min: 0,
    max: 86_400 * 7,
    default: 0,
    doc: "seconds after which a job's signal aborts and the job counts as failed; 0 = no limit",
  },
  {
    key: 'abortGrace',
    ini: 'abort_grace',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 10,
    doc: 'seconds a job may take to settle after its signal aborted before its partition is reported stuck',
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
    key: 'discoveryInterval',
    ini: 'discovery_interval',
    type: 'seconds',
    min: 0.01,
    max: 86_400,
    default: 5,
    doc: 'seconds between looking for new queues and partitions',
  },
  {
    key: 'retries',
    ini: 'retries',
    type: 'integer',
    min: 0,
    max: 1000,
    default: 0,
    doc: 'times a failed job runs again (its partition waits) before job_failure gets the last error; 0 = none',
  },
  {
    key: 'retryDelay',
    ini: 'retry_delay',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 1,
    doc: 'seconds before the first retry, doubled per retry up to retry_max_delay, with full jitter',
  },
  {
    key: 'retryMaxDelay',
    ini: 'retry_max_delay',
    type: 'seconds',
    min: 0,
    max: 86_400,
    default: 60,
    doc: 'cap of the retry wait',
  },
];

export const defaultSettings = Object.freeze(
  Object.fromEntries(settingRules.map((rule) => [rule.key, rule.default])),
) as Readonly<ResolvedSettings>;

const byKey = new Map(settingRules.map((rule) => [rule.key as string, rule]));

/** Defaults filled in and every value checked now, not at first use. */
export function resolveSettings(settings: WorkerSettings = {}): ResolvedSettings {
  const resolved: ResolvedSettings = { ...defaultSettings };
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const rule = byKey.get(key);
    if (!rule) throw new QdoConfigError(`unknown worker setting "${key}"`);
    if (rule.type === 'choice') {
      if (typeof value !== 'string' || !rule.values?.includes(value)) {
        const values = rule.values?.join(' or ');
        throw new QdoConfigError(`settings.${key} must be ${values}, got ${JSON.stringify(value)}`);
      }
      (resolved as unknown as Record<string, unknown>)[key] = value;
      continue;
    }
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
