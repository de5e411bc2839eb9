import { existsSync, readFileSync } from 'node:fs';
import { QueueyClient } from '@qdo/queuey-client';
import { defaultConfig, loadConfig } from '../config/index.js';
import type { QdoConfig } from '../config/options.js';
import { ExitError, formatProblem } from '../errors.js';
import type { Io } from '../run.js';
import { type ConnectionFlags, DEFAULT_CONFIG } from './args.js';

/** Where a command connects, after flags, environment and config file are weighed. */
export interface Target {
  config: QdoConfig;
  /** App-root URLs; for an embedded config, the URL its server listens on. */
  connection: string[];
  appKey: string | undefined;
}

/**
 * Flags win over the environment (`QDO_APP_KEY`), which wins over the
 * config file. A config with `connection = embedded` points the other
 * commands at the port its worker's embedded server listens on.
 */
export function resolveTarget(
  flags: ConnectionFlags,
  io: Io,
  options: { requireJob?: boolean } = {},
): Target {
  const requireJob = options.requireJob ?? false;
  // Only the worker needs a file; the other commands run on defaults and flags.
  const config =
    flags.config === undefined && !requireJob && !existsSync(DEFAULT_CONFIG)
      ? defaultConfig(DEFAULT_CONFIG)
      : loadConfig(flags.config ?? DEFAULT_CONFIG, {
          env: io.env,
          requireJob,
          strict: flags.strict ?? false,
        });
  for (const warning of config.warnings)
    io.stderr.write(`${io.prog ?? 'qdo'}: ${formatProblem(warning)}\n`);
  const fromFlag = flags.connection
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const embedded = config.queuey.embedded;
  const connection =
    fromFlag ??
    (embedded
      ? [`http://127.0.0.1:${embedded.port || 5000}/v1/queuey/`]
      : config.queuey.connection);
  for (const url of connection) {
    if (!/^https?:\/\/[^/]/.test(url))
      throw new ExitError(2, `--connection expects http(s) URLs, got ${JSON.stringify(url)}`);
  }
  const appKey = flags['app-key'] || io.env.QDO_APP_KEY || config.queuey.appKey;
  return { config, connection, appKey };
}

export function clientFor(target: {
  config: QdoConfig;
  connection: string[];
  appKey: string | undefined;
}): QueueyClient {
  const { caBundle } = target.config.worker;
  let ca: string | undefined;
  if (caBundle) {
    try {
      ca = readFileSync(caBundle, 'utf8');
    } catch (error) {
      throw new ExitError(
        2,
        `${target.config.file}: [qdo-worker] ca_bundle: cannot read ${caBundle}: ${(error as Error).message}`,
      );
    }
  }
  return new QueueyClient({
    connection: target.connection,
    ...(target.appKey ? { appKey: target.appKey } : {}),
    ...(ca ? { ca } : {}),
  });
}
