import { dirname, isAbsolute, resolve } from 'node:path';
import type { ConfigProblem, IniEntry } from '@qdo/common';
import { type ResolvedSettings, settingRules } from '@qdo/core';
import { parseHookSpec } from '../hooks.js';
import { displayPath } from './load.js';
import type { NormalisedConfig } from './normalise.js';
import {
  DEFAULTS,
  EMBEDDED_DEFAULT_DB,
  EMBEDDED_DEFAULT_PORT,
  type PartitionPolicy,
  type QdoConfig,
} from './options.js';

/** `module:export` or `module`; a colon inside a path (`C:\\x`, `file:///x`) is no export. */
function isHookSpec(spec: string): boolean {
  const colon = spec.lastIndexOf(':');
  if (spec === '' || /\s/.test(spec)) return false;
  if (colon === -1) return true;
  const after = spec.slice(colon + 1);
  return colon > 0 && (/^[A-Za-z_$][\w$]*$/.test(after) || /[\\/]/.test(after));
}

/** Builds the options from normalised values over DEFAULTS and checks what spans keys. */
export function validate(
  file: string,
  values: NormalisedConfig,
  problems: ConfigProblem[],
  options: { requireJob?: boolean } = {},
): QdoConfig {
  const get = <T>(section: string, key: string) =>
    values.get(section)?.get(key) as { value: T; entry: IniEntry } | undefined;
  const val = <T>(section: string, key: string, fallback: T): T =>
    get<T>(section, key)?.value ?? fallback;
  const at = (section: string, key: string) => {
    const entry = get(section, key)?.entry;
    return {
      file: entry?.file ?? displayPath(file),
      ...(entry ? { line: entry.line } : {}),
      section,
      key,
    };
  };
  const dir = dirname(file);
  // A relative path means relative to the file that wrote it, which for a
  // value inherited through `extends` is the base file.
  const dirOf = (section: string, key: string) => {
    const entry = get(section, key)?.entry;
    return entry ? dirname(resolve(entry.file)) : dir;
  };
  const hookAt = (key: string) => {
    const spec = get<string>('qdo-worker', key)?.value.trim();
    if (spec === undefined) return undefined;
    const parsed = parseHookSpec(spec);
    if (!parsed.module.startsWith('.')) return spec;
    return `${resolve(dirOf('qdo-worker', key), parsed.module)}:${parsed.export}`;
  };
  const w = DEFAULTS.worker;

  for (const key of ['job', 'job_batch', 'job_context', 'job_failure']) {
    const spec = get<string>('qdo-worker', key)?.value;
    if (spec !== undefined && !isHookSpec(spec.trim()))
      problems.push({
        ...at('qdo-worker', key),
        message: `expected module:export, got ${JSON.stringify(spec)}`,
      });
  }
  if (get('qdo-worker', 'job') && get('qdo-worker', 'job_batch')) {
    problems.push({
      ...at('qdo-worker', 'job_batch'),
      message: 'give job or job_batch, not both (job_batch takes a batch at a time)',
    });
  } else if (options.requireJob && !get('qdo-worker', 'job') && !get('qdo-worker', 'job_batch')) {
    problems.push({
      ...at('qdo-worker', 'job'),
      message:
        'required: the job hook as module:export, e.g. job = ./jobs/example.ts:job (or job_batch for a batch at a time)',
    });
  }

  const policy = val<PartitionPolicy>('partitions', 'policy', DEFAULTS.partitions.policy);
  const ids = val<string[]>('partitions', 'ids', []);
  if (policy === 'all' && ids.length > 0)
    problems.push({
      ...at('partitions', 'ids'),
      message: 'policy = all takes every partition; remove ids or use policy = manual',
    });
  for (const id of ids) {
    if (!/^.+-[1-9]\d*$/.test(id))
      problems.push({
        ...at('partitions', 'ids'),
        message: `expected <queue>-<partition number>, got ${JSON.stringify(id)}`,
      });
  }

  const connection = val<string[]>('queuey', 'connection', DEFAULTS.queuey.connection);
  let embedded: QdoConfig['queuey']['embedded'];
  const embeddedSpec = connection.find((c) => /^embedded(:|$)/.test(c));
  if (embeddedSpec) {
    if (connection.length > 1)
      problems.push({
        ...at('queuey', 'connection'),
        message: 'embedded cannot be combined with other servers',
      });
    const db = embeddedSpec.slice('embedded'.length + 1) || EMBEDDED_DEFAULT_DB;
    embedded = {
      db: db === ':memory:' || isAbsolute(db) ? db : resolve(dirOf('queuey', 'connection'), db),
      port: val('queuey', 'embedded_port', EMBEDDED_DEFAULT_PORT),
    };
  } else {
    if (connection.length === 0)
      problems.push({ ...at('queuey', 'connection'), message: 'no server given' });
    for (const url of connection) {
      if (!isHttpUrl(url))
        problems.push({
          ...at('queuey', 'connection'),
          message: `expected http(s) URLs like http://127.0.0.1:5000/v1/queuey/ or embedded[:PATH], got ${JSON.stringify(url)}`,
        });
    }
    if (get('queuey', 'embedded_port'))
      problems.push({
        ...at('queuey', 'embedded_port'),
        message: 'only used with connection = embedded',
      });
  }

  const caBundle = get<string>('qdo-worker', 'ca_bundle')?.value;
  const loopSettings = Object.fromEntries(
    settingRules.map((rule) => [rule.key, val('qdo-worker', rule.ini, w[rule.key])]),
  ) as Omit<ResolvedSettings, 'name'>;
  return {
    file,
    warnings: [],
    worker: {
      ...loopSettings,
      name: val('qdo-worker', 'name', w.name),
      caBundle: caBundle ? resolve(dirOf('qdo-worker', 'ca_bundle'), caBundle) : undefined,
      job: hookAt('job'),
      jobBatch: hookAt('job_batch'),
      jobContext: hookAt('job_context'),
      jobFailure: hookAt('job_failure'),
      metricsPort: get<number>('qdo-worker', 'metrics_port')?.value,
      metricsHost: val('qdo-worker', 'metrics_host', w.metricsHost),
      logFormat: val('qdo-worker', 'log_format', w.logFormat),
      logLevel: val('qdo-worker', 'log_level', w.logLevel),
      heap: val('qdo-worker', 'heap', w.heap),
    },
    partitions: { policy, ids },
    queuey: { connection, embedded, appKey: get<string>('queuey', 'app_key')?.value || undefined },
    zookeeper: {
      connection: val('zookeeper', 'connection', DEFAULTS.zookeeper.connection),
      partyWait: val('zookeeper', 'party_wait', DEFAULTS.zookeeper.partyWait),
    },
    dashboard: {
      port: get<number>('dashboard', 'port')?.value,
      host: val('dashboard', 'host', DEFAULTS.dashboard.host),
      allowedHosts: val<string[]>('dashboard', 'allowed_hosts', DEFAULTS.dashboard.allowedHosts),
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
