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

/** Every known section and key, by their INI names. */
export const SCHEMA: Record<string, Record<string, Kind>> = {
  'qdo-worker': {
    name: text,
    wait_interval: seconds(0),
    ca_bundle: text,
    job: hook,
    job_context: hook,
    job_failure: hook,
    batch_size: int(1, 1000),
    concurrency: int(1, 1_000),
    commit_every: int(0),
    long_poll: seconds(0, 30),
    job_timeout: seconds(0),
    discovery_interval: seconds(0.05),
    metrics_port: port,
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
};

/**
 * Sections of the original's config files that have no meaning here (metlog
 * was its logging library); accepted and ignored so those files still load.
 */
export const IGNORED_SECTIONS: readonly string[] = ['metlog', 'metlog_plugin_raven'];

export function kindOf(section: string, key: string): Kind | undefined {
  return SCHEMA[section]?.[key];
}
