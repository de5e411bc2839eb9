/**
 * From `queuey serve`'s flags, environment and INI file to startServer's
 * options: flags win over the environment, which wins over the file.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AppKeys, keysFromEnv, mergeKeys, readKeyFile } from './app-keys.js';
import type { ServerConfig } from './config.js';
import { ServerConfigError, UsageError } from './errors.js';
import type { ServerLogger } from './log.js';
import type { ServerOptions } from './server.js';

/** The parsed flags serveOptions reads. */
export interface ServeFlags {
  host?: string | undefined;
  port?: string | undefined;
  db?: string | undefined;
  storage?: string | undefined;
  'app-key'?: string[] | undefined;
  'app-key-file'?: string[] | undefined;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
  'disable-extension'?: string[] | undefined;
  'access-log'?: boolean | undefined;
}

export function serveOptions(
  values: ServeFlags,
  config: ServerConfig | undefined,
  context: { env: Record<string, string | undefined>; logger: ServerLogger },
): ServerOptions {
  const { logger } = context;
  const options: ServerOptions = { logger };
  const host = values.host ?? config?.host;
  if (host !== undefined) options.host = host;
  const port = values.port === undefined ? config?.port : parsePort(values.port);
  if (port !== undefined) options.port = port;
  const stored = config?.storage;
  const db =
    values.storage ?? values.db ?? (stored?.backend === 'postgres' ? stored.url : stored?.path);
  if (db !== undefined) options.db = db;
  if (stored?.backend === 'postgres' && stored.schema && !values.storage && !values.db) {
    options.postgresSchema = stored.schema;
  }
  if (stored?.backend === 'sqlite' && stored.synchronous)
    options.sqliteSynchronous = stored.synchronous;
  const applications = applicationKeys(values, config, context);
  if (applications) options.applications = applications;
  for (const key of [
    'bodyLimit',
    'maxWait',
    'purgeInterval',
    'maxConnections',
    'headersTimeout',
    'requestTimeout',
    'keepAliveTimeout',
  ] as const) {
    const value = config?.[key];
    if (value !== undefined) options[key] = value;
  }
  const disabled = values['disable-extension'] ?? config?.disableExtensions;
  if (disabled) options.disableExtensions = disabled;
  const tls = tlsFiles(values, config);
  if (tls) options.tls = tls;
  if (values['access-log'] ?? config?.accessLog) options.accessLog = true;
  return options;
}

function applicationKeys(
  values: ServeFlags,
  config: ServerConfig | undefined,
  context: { env: Record<string, string | undefined>; logger: ServerLogger },
): AppKeys | undefined {
  const fromFile = (file: string) => {
    const { keys, warning } = readKeyFile(file);
    if (warning) context.logger.warn(warning);
    return keys;
  };
  if (values['app-key'] || values['app-key-file']) {
    return mergeKeys(
      values['app-key'] && parseAppKeys(values['app-key']),
      ...(values['app-key-file'] ?? []).map(fromFile),
    );
  }
  const fromEnv = keysFromEnv(context.env);
  if (fromEnv) return fromEnv;
  return mergeKeys(
    config?.applications,
    config?.appKeyFile ? fromFile(config.appKeyFile) : undefined,
  );
}

function tlsFiles(values: ServeFlags, config: ServerConfig | undefined) {
  const certFile = values['tls-cert'] ?? config?.tls?.cert;
  const keyFile = values['tls-key'] ?? config?.tls?.key;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    throw new UsageError('--tls-cert and --tls-key go together (see queuey --help)');
  }
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ServerConfigError(
        `TLS ${what} file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
        { file },
      );
    }
  };
  const tls = { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
  checkTls(tls, {
    cert: `${values['tls-cert'] ? '--tls-cert' : '[server] tls_cert'} ${certFile}`,
    key: `${values['tls-key'] ? '--tls-key' : '[server] tls_key'} ${keyFile}`,
  });
  return tls;
}

/**
 * The certificate and key as TLS will take them: PEM, parseable, and a pair.
 * Checked here so a wrong file is named, instead of OpenSSL's "no start line".
 */
function checkTls(tls: { cert: Buffer; key: Buffer }, named: { cert: string; key: string }): void {
  const fail = (message: string) => new ServerConfigError(message, {});
  const why = (error: unknown) => (error instanceof Error ? error.message : String(error));
  if (!tls.cert.toString('latin1').includes('-----BEGIN CERTIFICATE-----'))
    throw fail(
      `${named.cert} is not a PEM certificate: give a file that holds "-----BEGIN CERTIFICATE-----"`,
    );
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.key.toString('latin1')))
    throw fail(
      `${named.key} is not a PEM private key: give a file that holds "-----BEGIN PRIVATE KEY-----"`,
    );
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(tls.cert);
  } catch (error) {
    throw fail(
      `${named.cert} cannot be read as a certificate (${why(error)}): give a valid PEM certificate`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(tls.key);
  } catch (error) {
    throw fail(
      `${named.key} cannot be read as a private key (${why(error)}): give an unencrypted PEM private key`,
    );
  }
  if (!cert.checkPrivateKey(key))
    throw fail(
      `${named.key} is not the key of ${named.cert}: give the private key the certificate was made for`,
    );
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseAppKeys(items: readonly string[]): Record<string, string[]> {
  const applications: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = item.slice(0, eq).trim();
    const key = item.slice(eq + 1).trim();
    if (eq < 0 || name === '' || key === '') {
      // Never echo the value: it may be a key.
      throw new UsageError(
        '--app-key must be NAME=KEY, e.g. --app-key queuey=f25bfb8fe200475c8a0532a9cbe7651e',
      );
    }
    applications[name] = [...(applications[name] ?? []), key];
  }
  return applications;
}
