/**
 * The server's INI file, in Queuey's layout:
 *
 *   [application_keys]
 *   queuey = f25bfb8fe200475c8a0532a9cbe7651e    ; one or more keys, comma or newline separated
 *   [storage]
 *   backend = sqlite                             ; or postgres
 *   path = var/queuey.db                         ; sqlite, relative to this file
 *   synchronous = full                           ; sqlite: full (default), normal or off
 *   url = postgres://...                         ; postgres
 *   statement_timeout = 5                        ; postgres: seconds a statement may run
 *   acquire_timeout = 2                          ; postgres: seconds to wait for a connection
 *   [server]
 *   host = 127.0.0.1
 *   port = 5000
 *   body_limit = 1048576                         ; bytes
 *   max_wait = 30                                ; seconds a read may `wait`
 *   purge_interval = 60                          ; seconds between purges of expired messages
 *   disable_extensions = positions               ; comma list of extensions to switch off
 *   max_connections = 768                        ; open connections at most
 *   headers_timeout = 10                         ; seconds to receive a request's headers
 *   request_timeout = 60                         ; seconds to receive a whole request
 *   keep_alive_timeout = 5                       ; seconds an idle connection stays open
 *   max_held_waits = 512                         ; held `wait` reads at once (admission.ts)
 *   max_held_waits_per_key = 256                 ; ... of one application
 *   max_anonymous_waits = 128                    ; ... without a key
 *   max_anonymous_waits_per_client = 4           ; ... without a key from one address
 *   wait_retry_after = 5                         ; seconds, Retry-After of a refused read
 *   tls_cert = cert.pem                          ; serve HTTPS (both, relative to this file)
 *   tls_key = key.pem
 *   app_key_file = keys.txt                      ; NAME = KEY lines, relative to this file
 *   log_format = pretty                          ; or json
 *   log_level = info                             ; debug, info, warn or error
 *   access_log = false                           ; one info line per request
 *
 * Parsed, then normalised, then validated; every problem of the file is
 * reported at once, each as file:line [section] key.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ConfigProblem, formatProblem } from '@qdo/common';
import type { AdmissionLimits } from './admission.js';
import { type Ini, type Report, readIni, SectionReader } from './config-reader.js';
import { ServerConfigError } from './errors.js';
import { EXTENSIONS } from './http/extensions.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.js';
import { SYNCHRONOUS_MODES, type SynchronousMode } from './storage/sqlite-schema.js';

export type StorageConfig =
  | { backend: 'sqlite'; path?: string; synchronous?: SynchronousMode }
  | {
      backend: 'postgres';
      url: string;
      schema?: string;
      /** Milliseconds. */
      statementTimeout?: number;
      /** Milliseconds. */
      acquireTimeout?: number;
    };

export interface ServerConfig {
  file: string;
  host?: string;
  port?: number;
  bodyLimit?: number;
  maxWait?: number;
  /** Milliseconds. */
  purgeInterval?: number;
  disableExtensions?: string[];
  maxConnections?: number;
  /** Milliseconds. */
  headersTimeout?: number;
  /** Milliseconds. */
  requestTimeout?: number;
  /** Milliseconds. */
  keepAliveTimeout?: number;
  maxHeldWaits?: number;
  maxHeldWaitsPerKey?: number;
  maxAnonymousWaits?: number;
  maxAnonymousWaitsPerClient?: number;
  /** Seconds. */
  waitRetryAfter?: number;
  /** Certificate and key files (absolute). */
  tls?: { cert: string; key: string };
  /** Absolute path of a NAME = KEY file. */
  appKeyFile?: string;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  accessLog?: boolean;
  applications?: Record<string, string[]>;
  storage: StorageConfig;
}

/** The [server] keys of the held-read budgets (admission.ts), INI name -> option. */
const ADMISSION_INI = {
  max_held_waits: 'maxHeldWaits',
  max_held_waits_per_key: 'maxHeldWaitsPerKey',
  max_anonymous_waits: 'maxAnonymousWaits',
  max_anonymous_waits_per_client: 'maxAnonymousWaitsPerClient',
  wait_retry_after: 'waitRetryAfter',
} as const satisfies Record<string, keyof AdmissionLimits>;
const ADMISSION_KEYS = Object.keys(ADMISSION_INI);

const SERVER_KEYS = [
  'host',
  'port',
  'body_limit',
  'max_wait',
  'purge_interval',
  'disable_extensions',
  'max_connections',
  'headers_timeout',
  'request_timeout',
  'keep_alive_timeout',
  ...ADMISSION_KEYS,
  'tls_cert',
  'tls_key',
  'app_key_file',
  'log_format',
  'log_level',
  'access_log',
];
const KNOWN: Record<string, readonly string[] | 'any'> = {
  application_keys: 'any',
  storage: [
    'backend',
    'path',
    'url',
    'schema',
    'synchronous',
    'statement_timeout',
    'acquire_timeout',
  ],
  server: SERVER_KEYS,
};

export function loadServerConfig(
  file: string,
  options: { env?: Record<string, string | undefined> } = {},
): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String(error);
    throw new ServerConfigError(`config file ${file} ${reason}`, { file });
  }
  return parseServerConfig(text, { file, ...options });
}

export function parseServerConfig(
  text: string,
  options: { file: string; env?: Record<string, string | undefined> },
): ServerConfig {
  const { file } = options;
  const problems: ConfigProblem[] = [];
  const report = (problem: Omit<ConfigProblem, 'file'>) => problems.push({ file, ...problem });
  const ini = readIni(text, { file, env: options.env ?? process.env, problems });
  checkKnown(ini, report);
  const read = new SectionReader(ini, 'server', report);
  const relative = (path: string) => resolve(dirname(file), path);
  const config: ServerConfig = { file, storage: readStorage(ini, report, relative) };
  // A value already reported (e.g. a missing ${VAR}) is not reported again as empty.
  const reported = (line: number) => problems.some((p) => p.line === line);
  const applications = readApplications(ini, report, reported);
  if (applications) config.applications = applications;

  const host = read.text('host');
  if (host) config.host = host;
  assign(config, 'port', read.integer('port', 0, 65_535));
  assign(config, 'bodyLimit', read.integer('body_limit', 1, 2 ** 31));
  assign(config, 'maxWait', read.integer('max_wait', 0, 3600));
  assign(config, 'purgeInterval', ms(read.integer('purge_interval', 1, 86_400)));
  assign(config, 'maxConnections', read.integer('max_connections', 1, 1_000_000));
  assign(config, 'headersTimeout', ms(read.integer('headers_timeout', 1, 3600)));
  assign(config, 'requestTimeout', ms(read.integer('request_timeout', 1, 3600)));
  assign(config, 'keepAliveTimeout', ms(read.integer('keep_alive_timeout', 1, 3600)));
  // Each bound against the others is checked when the server starts (admissionLimits).
  for (const [key, option] of Object.entries(ADMISSION_INI)) {
    assign(config, option, read.integer(key, 1, key === 'wait_retry_after' ? 3600 : 1_000_000));
  }
  assign(config, 'disableExtensions', read.list('disable_extensions', EXTENSIONS));
  assign(config, 'logFormat', read.choice('log_format', LOG_FORMATS));
  assign(config, 'logLevel', read.choice('log_level', LOG_LEVELS));
  assign(config, 'accessLog', read.boolean('access_log'));
  const keyFile = read.text('app_key_file');
  if (keyFile) config.appKeyFile = relative(keyFile);
  const cert = read.text('tls_cert');
  const key = read.text('tls_key');
  if (cert && key) config.tls = { cert: relative(cert), key: relative(key) };
  else if (cert || key) {
    read.problem(cert ? 'tls_key' : 'tls_cert', 'required too when the other one is given');
  }

  if (problems.length > 0) {
    throw configError(
      file,
      problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  return config;
}

function assign<K extends keyof ServerConfig>(
  config: ServerConfig,
  key: K,
  value: ServerConfig[K] | undefined,
): void {
  if (value !== undefined) config[key] = value;
}

const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);

function configError(file: string, problems: ConfigProblem[]): ServerConfigError {
  const [first] = problems as [ConfigProblem];
  const message =
    problems.length === 1
      ? formatProblem(first)
      : `${file} has ${problems.length} problems:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
  return new ServerConfigError(message, {
    file,
    section: first.section,
    key: first.key,
    problems,
  });
}

function checkKnown(ini: Ini, report: Report): void {
  for (const [section, entries] of ini.sections) {
    const known = KNOWN[section];
    if (!known) {
      report({
        line: ini.headers.get(section)?.line,
        section,
        message: `unknown section; expected ${Object.keys(KNOWN)
          .map((name) => `[${name}]`)
          .join(', ')}`,
      });
      continue;
    }
    if (known === 'any') continue;
    for (const [key, entry] of entries) {
      if (!known.includes(key)) {
        report({
          line: entry.line,
          section,
          key,
          message: `unknown key; expected one of ${known.join(', ')}`,
        });
      }
    }
  }
}

function readApplications(
  ini: Ini,
  report: Report,
  reported: (line: number) => boolean,
): Record<string, string[]> | undefined {
  const keys = ini.sections.get('application_keys');
  if (!keys) return undefined;
  const applications: Record<string, string[]> = {};
  for (const [name, entry] of keys) {
    const list = entry.raw.split(/[\s,]+/).filter((key) => key !== '');
    if (list.length === 0 && !reported(entry.line)) {
      report({ line: entry.line, section: 'application_keys', key: name, message: 'no key given' });
    }
    applications[name] = list;
  }
  return applications;
}

function readStorage(ini: Ini, report: Report, relative: (path: string) => string): StorageConfig {
  const read = new SectionReader(ini, 'storage', report);
  const backend = read.text('backend') ?? 'sqlite';
  if (backend === 'sqlite') {
    const path = read.text('path');
    const synchronous = read.choice<SynchronousMode>('synchronous', SYNCHRONOUS_MODES);
    return {
      backend,
      ...(path ? { path: path === ':memory:' ? path : relative(path) } : {}),
      ...(synchronous ? { synchronous } : {}),
    };
  }
  if (backend === 'postgres') {
    const url = read.text('url');
    if (!url) read.problem('url', 'required when backend = postgres');
    else if (!/^postgres(ql)?:\/\//i.test(url)) {
      read.problem('url', 'expected a postgres:// or postgresql:// URL');
    }
    const schema = read.text('schema');
    const statementTimeout = ms(read.integer('statement_timeout', 1, 3600));
    const acquireTimeout = ms(read.integer('acquire_timeout', 1, 3600));
    return {
      backend,
      url: url ?? '',
      ...(schema ? { schema } : {}),
      ...(statementTimeout ? { statementTimeout } : {}),
      ...(acquireTimeout ? { acquireTimeout } : {}),
    };
  }
  read.problem('backend', `expected sqlite or postgres, got ${JSON.stringify(backend)}`);
  return { backend: 'sqlite' };
}
