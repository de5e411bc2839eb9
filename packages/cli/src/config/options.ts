import type { ConfigProblem } from '@qdo/common';
import {
  defaultSettings,
  type ResolvedSettings,
  settingRules,
  type WorkerSettings,
} from '@qdo/core';
import type { HEAP_PROFILES, LOG_FORMATS, LOG_LEVELS } from './schema.js';

/** The partition policies of `[partitions] policy`. */
export type PartitionPolicy = 'manual' | 'all' | 'automatic';

/** A qdo-worker config file, parsed, normalised and validated. */
export interface QdoConfig {
  /** Absolute path of the config file (hooks and relative paths resolve from its directory). */
  file: string;
  worker: WorkerOptions;
  partitions: PartitionsOptions;
  queuey: QueueyOptions;
  zookeeper: ZookeeperOptions;
  dashboard: DashboardOptions;
  /** What was accepted but is likely a mistake (unknown sections and keys), with where. */
  warnings: readonly ConfigProblem[];
}

/**
 * `[qdo-worker]`: the loop's settings (core's `settingRules`: types, ranges,
 * defaults and docs live there) plus the keys the CLI reads itself.
 */
export type WorkerOptions = Omit<ResolvedSettings, 'name'> & {
  /** Added to `${hostname}-${pid}` to name the worker. Default ''. */
  name: string;
  /** PEM file trusted in addition to the system CAs, relative to the config file. Default none. */
  caBundle: string | undefined;
  /** `module:export` of the job hook. `qdo-worker` needs it or `jobBatch`. */
  job: string | undefined;
  /** `module:export` of the batch hook, instead of `job`. */
  jobBatch: string | undefined;
  /** `module:export` of the job context. Default: a fresh `{}`. */
  jobContext: string | undefined;
  /** `module:export` of the failure hook. Default: `logFailure` of @qdo/failure. */
  jobFailure: string | undefined;
  /** Serve /metrics, /healthz and /readyz on this port; 0 = any free port. Default off. */
  metricsPort: number | undefined;
  /** The address the metrics port listens on. Default 127.0.0.1. */
  metricsHost: string;
  /** `pretty` or `json` log lines. Default pretty. */
  logFormat: LogFormat;
  /** The lowest level logged. Default info. */
  logLevel: LogLevel;
  /** How V8 sizes the worker's heap (cli/heap.ts). Default lean. */
  heap: HeapProfile;
};

export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type HeapProfile = (typeof HEAP_PROFILES)[number];

/** The loop's settings out of the worker options, for `new Worker({ settings })`. */
export function settingsOf(worker: WorkerOptions): WorkerSettings {
  return Object.fromEntries(settingRules.map((rule) => [rule.key, worker[rule.key]]));
}

/** `[partitions]` */
export interface PartitionsOptions {
  /** `manual` (ids, or every partition when none), `all`, or `automatic` (ZooKeeper). Default manual. */
  policy: PartitionPolicy;
  /** Partitions `<queue>-<n>`, one per line. Default none (= every partition). */
  ids: string[];
}

/** `[queuey]` */
export interface QueueyOptions {
  /** App-root URLs tried in order. Default http://127.0.0.1:5000/v1/queuey/. */
  connection: string[];
  /** `connection = embedded[:PATH]`: run a Queuey server in-process on this SQLite file. */
  embedded: { db: string; port: number } | undefined;
  /** The application key. Default none. */
  appKey: string | undefined;
}

/** `[zookeeper]` */
export interface ZookeeperOptions {
  /** Hosts and chroot for the `automatic` policy. Default 127.0.0.1:2181/mozilla-qdo. */
  connection: string;
  /** Seconds the membership must be stable before partitions are assigned. Default 10. */
  partyWait: number;
}

/** `[dashboard]`: qdo-worker serves the dashboard as `qdo dashboard` would. */
export interface DashboardOptions {
  /** Port; 0 = any free port. Default: unset, no dashboard. */
  port: number | undefined;
  /** Address; any non-loopback one needs $QDO_DASHBOARD_TOKEN. Default 127.0.0.1. */
  host: string;
  /** Host names it answers to besides loopback and `host` (`--allowed-host`). Default none. */
  allowedHosts: string[];
}

export type QdoDefaults = Omit<QdoConfig, 'file' | 'warnings'>;

/** Every default in one place; each option documents its own above. */
export const DEFAULTS = {
  worker: {
    // The loop's own defaults (wait_interval 30, batch_size 100, ...) live in @qdo/core.
    ...defaultSettings,
    name: '',
    caBundle: undefined,
    job: undefined,
    jobBatch: undefined,
    jobContext: undefined,
    jobFailure: undefined,
    metricsPort: undefined,
    metricsHost: '127.0.0.1',
    logFormat: 'pretty',
    logLevel: 'info',
    heap: 'lean',
  },
  partitions: { policy: 'manual', ids: [] },
  queuey: {
    connection: ['http://127.0.0.1:5000/v1/queuey/'],
    embedded: undefined,
    appKey: undefined,
  },
  zookeeper: { connection: '127.0.0.1:2181/mozilla-qdo', partyWait: 10 },
  dashboard: { port: undefined, host: '127.0.0.1', allowedHosts: [] },
} satisfies QdoDefaults;

/** Where the embedded server listens unless `[queuey] embedded_port` says otherwise. */
export const EMBEDDED_DEFAULT_PORT = 5000;
/** The embedded server's SQLite file, relative to the config file's directory. */
export const EMBEDDED_DEFAULT_DB = 'var/queuey.db';
