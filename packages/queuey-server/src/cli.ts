/**
 * `queuey serve`: flags override the environment, which overrides the INI
 * file, which overrides the defaults. Commands throw UsageError /
 * ServerConfigError; bin.ts turns them into one line and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listenProblem } from '@qdo/common';
import { APP_KEYS_ENV } from './app-keys.js';
import { loadServerConfig } from './config.js';
import { UsageError } from './errors.js';
import { EXTENSIONS } from './http/extensions.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, parseLogSetting } from './log.js';
import { serveOptions } from './serve-options.js';
import { SERVER_DEFAULTS, type ServerOptions, startServer } from './server.js';

export const USAGE = `Usage: queuey serve [options]
       queuey --version

Runs the Queuey v1 server on SQLite, or on PostgreSQL shared by many
servers. The protocol, with this server's extensions, is docs/QUEUEY_API.md
in the qdo repository.

Options:
  -c, --config FILE     INI file ([application_keys], [storage], [server])
      --host HOST       address to listen on (default 127.0.0.1)
      --port PORT       port, 0 for any free one (default 5000)
      --db PATH         SQLite file (default var/queuey.db)
      --storage URL|PATH
                        postgres://user:pw@host/db, or a SQLite file
      --app-key-file FILE
                        application keys, one "NAME = KEY" line each
                        (also INI [server] app_key_file; chmod 600 it)
      --app-key NAME=KEY
                        an application and its key; repeatable. Visible to
                        other local users in ps: prefer --app-key-file or
                        ${APP_KEYS_ENV}. Without any key source, app
                        "queuey" gets a generated key, printed once.
      --tls-cert FILE   serve HTTPS with this certificate (PEM) ...
      --tls-key FILE    ... and this private key (PEM)
      --disable-extension NAME
                        switch a protocol extension off (${EXTENSIONS.join(', ')});
                        repeatable. Clients then use their fallbacks.
      --log-format pretty|json
      --log-level error|warn|info|debug
      --access-log      log one line per request (info)
  -h, --help            show this help
  -v, --version         show the version

Environment:
  ${APP_KEYS_ENV}       application keys: "NAME=KEY NAME2=KEY2" (a name again adds a key)
  QDO_LOG_FORMAT, QDO_LOG_LEVEL
                        as --log-format and --log-level (flags win; both over the INI file)

Application keys come from flags, else ${APP_KEYS_ENV}, else the INI file; they
are never printed or logged.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the server should stop (SIGINT/SIGTERM by default). */
  untilStopped(): Promise<string>;
  env?: Record<string, string | undefined>;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  storage: { type: 'string' },
  'app-key': { type: 'string', multiple: true },
  'app-key-file': { type: 'string', multiple: true },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'disable-extension': { type: 'string', multiple: true },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'access-log': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${usageMessage(error)} (see queuey --help)`);
  }
}

/** node:util's messages, made one short line without its unbalanced quoting. */
function usageMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /argument missing/.test(message)
      ? `option ${option} needs a value`
      : `option ${option} does not take a value`;
  }
  return message.split('\n')[0] ?? 'bad arguments';
}

export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help || values.version) {
    io.out(values.help ? USAGE : version());
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command !== 'serve') {
    throw new UsageError(
      command === undefined
        ? 'missing command: use "queuey serve" (see queuey --help)'
        : `unknown command "${command}": use "queuey serve" (see queuey --help)`,
    );
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" (see queuey --help)`);
  const env = io.env ?? process.env;
  const config = values.config ? loadServerConfig(values.config, { env }) : undefined;
  // Flag, else environment, else INI file.
  const pick = <T extends string>(
    flag: 'log-format' | 'log-level',
    envName: string,
    fromIni: T | undefined,
    choices: readonly T[],
  ): T | undefined => {
    const fromFlag = values[flag];
    if (fromFlag !== undefined)
      return parseUsage(() => parseLogSetting(`--${flag}`, fromFlag, choices));
    const fromEnv = env[envName];
    return fromEnv ? parseLogSetting(envName, fromEnv, choices) : fromIni;
  };
  const logger = createLogger({
    format: pick('log-format', 'QDO_LOG_FORMAT', config?.logFormat, LOG_FORMATS) ?? 'pretty',
    level: pick('log-level', 'QDO_LOG_LEVEL', config?.logLevel, LOG_LEVELS) ?? 'info',
    write: io.err,
  });
  const options = serveOptions(values, config, { env, logger });
  const server = await startServer(options).catch((error: unknown) => {
    throw startProblem(error, options, values) ?? error;
  });
  const generated = !options.applications;
  for (const [name, keys] of Object.entries(server.applications)) {
    // A generated key is shown once so it can be used; configured keys never are.
    io.out(
      generated
        ? `application ${name}: generated key ${keys[0]} (choose keys with --app-key-file or ${APP_KEYS_ENV})`
        : `application ${name}: ${keys.length} key${keys.length === 1 ? '' : 's'} configured`,
    );
  }
  if (values['app-key']) {
    logger.warn(
      `--app-key shows keys to every local user (ps); prefer --app-key-file or ${APP_KEYS_ENV}`,
    );
  }
  // Last, so a supervisor reading this line knows everything above is printed.
  io.out(`listening on ${server.url}`);
  const signal = await io.untilStopped();
  logger.info(`${signal}: closing`);
  await server.close();
  return 0;
}

/** A start that failed on its settings, as one line naming them (exit 2); undefined for other failures. */
function startProblem(
  error: unknown,
  options: ServerOptions,
  flags: { host?: string | undefined; port?: string | undefined },
): UsageError | undefined {
  const problem = listenProblem(error, {
    host: options.host ?? SERVER_DEFAULTS.host,
    port: options.port ?? SERVER_DEFAULTS.port,
    hostSetting: flags.host === undefined ? '[server] host' : '--host',
    portSetting: flags.port === undefined ? '[server] port' : '--port',
  });
  if (problem !== undefined) return new UsageError(problem);
  // What the checks of serve-options.ts let through and OpenSSL still refuses.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_OSSL'))
    return new UsageError(
      `TLS refused the certificate or key (${(error as Error).message}): check --tls-cert and --tls-key`,
    );
  return undefined;
}

function parseUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see queuey --help)`);
  }
}

function version(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    untilStopped: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
}
