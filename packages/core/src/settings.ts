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
}

export type ResolvedSettings = Required<Omit<WorkerSettings, 'name'>> & {
  name: string | undefined;
};

export const defaultSettings = {
  name: undefined,
  waitInterval: 30,
  batchSize: 100,
  concurrency: 1,
  commitEvery: 0,
  longPoll: 0,
  jobTimeout: 0,
  discoveryInterval: 5,
} satisfies ResolvedSettings;

const rules: Record<
  keyof Omit<WorkerSettings, 'name'>,
  { min: number; max: number; int?: boolean }
> = {
  waitInterval: { min: 0, max: 86_400 },
  batchSize: { min: 1, max: 1000, int: true },
  concurrency: { min: 1, max: 1000, int: true },
  commitEvery: { min: 0, max: 1_000_000, int: true },
  longPoll: { min: 0, max: 30 },
  jobTimeout: { min: 0, max: 86_400 * 7 },
  discoveryInterval: { min: 0.01, max: 86_400 },
};

/** Defaults filled in and every value checked now, not at first use. */
export function resolveSettings(settings: WorkerSettings = {}): ResolvedSettings {
  const resolved: ResolvedSettings = { ...defaultSettings };
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (key === 'name') {
      if (typeof value !== 'string') throw new QdoConfigError('settings.name must be a string');
      resolved.name = value || undefined;
      continue;
    }
    const rule = rules[key as keyof typeof rules];
    if (!rule) throw new QdoConfigError(`unknown worker setting "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new QdoConfigError(`settings.${key} must be a number, got ${JSON.stringify(value)}`);
    }
    if (rule.int && !Number.isInteger(value)) {
      throw new QdoConfigError(`settings.${key} must be an integer, got ${value}`);
    }
    if (value < rule.min || value > rule.max) {
      throw new QdoConfigError(
        `settings.${key} must be between ${rule.min} and ${rule.max}, got ${value}`,
      );
    }
    (resolved as unknown as Record<string, number>)[key] = value;
  }
  return resolved;
}
