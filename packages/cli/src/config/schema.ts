import { LOG_FORMATS, LOG_LEVELS } from '@qdo/common';
import { type SettingRule, settingRules } from '@qdo/core';

/** What a key accepts; the normaliser and validator are driven by this table. */
export type Kind =
  | { type: 'text' }
  | { type: 'int'; min: number; max?: number }
  | { type: 'seconds'; min: number; max?: number }
  | { type: 'list' }
  | { type: 'choice'; values: readonly string[] }
  | { type: 'hook' };

const text = { type: 'text' } as const;
const hook = { type: 'hook' } as const;
const list = { type: 'list' } as const;
const int = (min: number, max?: number): Kind => ({
  type: 'int',
  min,
  ...(max === undefined ? {} : { max }),
});
const seconds = (min: number, max?: number): Kind => ({
  type: 'seconds',
  min,
  ...(max === undefined ? {} : { max }),
});
const port = int(0, 65535);

/** The INI kind of one of core's worker settings: core's rule is the only source. */
function kindOfRule(rule: SettingRule): Kind {
  if (rule.type === 'string') return text;
  if (rule.type === 'choice') return { type: 'choice', values: rule.values ?? [] };
  const min = rule.min ?? Number.NEGATIVE_INFINITY;
  return rule.type === 'integer' ? int(min, rule.max) : seconds(min, rule.max);
}

/** A `[qdo-worker]` key of the CLI's own (not a loop setting), documented for --help. */
export interface CliKey {
  kind: Kind;
  /** As shown in --help; '' for none. */
  default: string;
  doc: string;
}

export { LOG_FORMATS, LOG_LEVELS };
export const HEAP_PROFILES = ['lean', 'node'] as const;

/** `[qdo-worker]` keys the CLI reads itself: hooks, TLS, metrics and logs. */
export const CLI_WORKER_KEYS: Record<string, CliKey> = {
  job: {
    kind: hook,
    default: '',
    doc: 'module:export of the job hook, called per message (qdo-worker needs it or job_batch)',
  },
  job_batch: {
    kind: hook,
    default: '',
    doc: 'module:export of the batch hook, called with up to batch_size messages of one partition (instead of job)',
  },
  job_context: { kind: hook, default: '', doc: 'module:export of the job context' },
  job_failure: {
    kind: hook,
    default: '@qdo/failure:logFailure',
    doc: 'module:export of the failure hook',
  },
  ca_bundle: { kind: text, default: '', doc: 'PEM file trusted in addition to the system CAs' },
  metrics_port: {
    kind: port,
    default: '',
    doc: 'serve /metrics, /healthz and /readyz on this port; 0 = any free port; unset = off',
  },
  metrics_host: {
    kind: text,
    default: '127.0.0.1',
    doc: 'address the metrics port listens on (0.0.0.0 in a container)',
  },
  log_format: {
    kind: { type: 'choice', values: LOG_FORMATS },
    default: 'pretty',
    doc: 'pretty or json (one object per line); $QDO_LOG_FORMAT overrides',
  },
  log_level: {
    kind: { type: 'choice', values: LOG_LEVELS },
    default: 'info',
    doc: `${LOG_LEVELS.join(', ')}; $QDO_LOG_LEVEL overrides`,
  },
  heap: {
    kind: { type: 'choice', values: HEAP_PROFILES },
    default: 'lean',
    doc: "lean: V8 keeps its young generation small and grows the old one by 30%, about 40 MB less at a drain's peak; node: Node's own sizing. V8 heap flags of your own (NODE_OPTIONS) win",
  },
};

/** Every known section and key, by their INI names. */
export const SCHEMA: Record<string, Record<string, Kind>> = {
  'qdo-worker': {
    ...Object.fromEntries(settingRules.map((rule) => [rule.ini, kindOfRule(rule)])),
    ...Object.fromEntries(Object.entries(CLI_WORKER_KEYS).map(([key, { kind }]) => [key, kind])),
  },
  partitions: {
    policy: { type: 'choice', values: ['manual', 'all', 'automatic'] },
    ids: list,
  },
  queuey: {
    connection: list,
    app_key: text,
    embedded_port: port,
  },
  zookeeper: {
    connection: text,
    party_wait: seconds(0),
  },
  // The worker serves the dashboard too (@qdo/dashboard); unset port = off.
  dashboard: {
    port,
    host: text,
    allowed_hosts: list,
  },
};

/**
 * Sections of the original's config files that have no meaning here (metlog
 * was its logging library); accepted and ignored so those files still load.
 */
export const IGNORED_SECTIONS: readonly string[] = ['metlog', 'metlog_plugin_raven'];
