/**
 * `queuey serve`: flags override the INI file, which overrides the defaults.
 * Commands throw UsageError / ServerConfigError; bin.ts turns them into one
 * line and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadServerConfig, type ServerConfig } from './config.js';
import { UsageError } from './errors.js';
import { type ServerOptions, startServer } from './server.js';

export const USAGE = `Usage: queuey serve [options]

Runs the Queuey v1 server (QUEUEY_API.md) on SQLite, or on PostgreSQL shared
by many servers.

Options:
  -c, --config FILE     INI file ([application_keys], [storage], [server])
      --host HOST       address to listen on (default 127.0.0.1)
      --port PORT       port, 0 for any free one (default 5000)
      --db PATH         SQLite file (default var/queuey.db)
      --storage URL|PATH
                        postgres://user:pw@host/db, or a SQLite file
      --app-key NAME=KEY
                        an application and its key; repeatable. Without any,
                        app "queuey" gets a generated key, printed once.
  -h, --help            show this help
      --version         show the version`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the server should stop (SIGINT/SIGTERM by default). */
  untilStopped(): Promise<string>;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  storage: { type: 'string' },
  'app-key': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see queuey --help)`);
  }
  const { values, positionals } = parsed;
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
  const options = serveOptions(values, values.config ? loadServerConfig(values.config) : undefined);
  const server = await startServer(options);
  const generated = !options.applications;
  for (const [name, keys] of Object.entries(server.applications)) {
    // A generated key is shown once so it can be used; configured keys never are.
    io.out(
      generated
        ? `application ${name}: generated key ${keys[0]} (choose one with --app-key ${name}=KEY)`
        : `application ${name}: ${keys.length} key${keys.length === 1 ? '' : 's'} configured`,
    );
  }
  // Last, so a supervisor reading this line knows everything above is printed.
  io.out(`listening on ${server.url}`);
  const signal = await io.untilStopped();
  io.err(`${signal}: closing`);
  await server.close();
  return 0;
}

function serveOptions(
  values: { host?: string; port?: string; db?: string; storage?: string; 'app-key'?: string[] },
  config: ServerConfig | undefined,
): ServerOptions {
  const options: ServerOptions = {};
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
  const applications = values['app-key'] ? parseAppKeys(values['app-key']) : config?.applications;
  if (applications) options.applications = applications;
  if (config?.bodyLimit !== undefined) options.bodyLimit = config.bodyLimit;
  if (stored?.backend === 'sqlite' && stored.synchronous)
    options.sqliteSynchronous = stored.synchronous;
  if (config?.maxWait !== undefined) options.maxWait = config.maxWait;
  if (config?.purgeInterval !== undefined) options.purgeInterval = config.purgeInterval;
  return options;
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

function version(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
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
