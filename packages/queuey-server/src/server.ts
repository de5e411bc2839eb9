/** Serving the app over HTTP, with the background purge and a graceful close. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Admission, type AdmissionLimits, admissionLimits } from './admission.js';
import { APP_DEFAULTS, type AppOptions, createApp, type QueueyApp } from './app.js';
import {
  CONNECTION_DEFAULTS,
  type ConnectionLimits,
  guardConnections,
  serverTimeouts,
} from './connections.js';
import { ServerConfigError } from './errors.js';
import { enabledExtensions } from './http/extensions.js';
import { loadPostgresStorage } from './load-postgres.js';
import { createLogger, type LogFields, type ServerLogger } from './log.js';
import { openSqliteStorage } from './storage/index.js';
import type { PostgresPoolOptions } from './storage/postgres-pool.js';
import type { SynchronousMode } from './storage/sqlite-schema.js';
import type { Storage } from './storage/types.js';
import { PURGE_SLICE } from './storage/write-layer.js';

/**
 * The app's own settings (see `AppOptions`), the budgets of held reads (see
 * `AdmissionLimits`, defaults `ADMISSION_DEFAULTS`), then how it is served.
 */
export interface ServerOptions
  extends Pick<
      AppOptions,
      'now' | 'bodyLimit' | 'maxWait' | 'maxMessageBytes' | 'maxAnswerBytes' | 'disableExtensions'
    >,
    Partial<AdmissionLimits> {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 5000; 0 = an ephemeral port. */
  port?: number;
  /** A storage to use (not closed by `close()`), or else: */
  storage?: Storage;
  /**
   * SQLite file to open (default 'var/queuey.db'; ':memory:' allowed), or a
   * postgres:// URL: PostgreSQL, loaded on demand, shared by many servers.
   */
  db?: string;
  /** SQLite durability (only with a SQLite `db`): 'full' (default), 'normal' or 'off'. */
  sqliteSynchronous?: SynchronousMode;
  /** PostgreSQL schema for the tables (only with a postgres:// `db`). */
  postgresSchema?: string;
  /** PostgreSQL connection pool: size and timeouts (only with a postgres:// `db`). */
  postgresPool?: PostgresPoolOptions;
  /** App name -> key(s). Default `{ queuey: [<random 32-hex key>] }`. */
  applications?: Record<string, string | readonly string[]>;
  /** Ms to receive a request's headers (slowloris guard). Default 10000. */
  headersTimeout?: number;
  /** Ms to receive a whole request, not counting the answer (long-polls). Default 60000. */
  requestTimeout?: number;
  /** Ms an idle keep-alive connection stays open. Default 5000. */
  keepAliveTimeout?: number;
  /**
   * Open connections at most (keep below `ulimit -n`). At the limit the oldest
   * connection without a request in progress is closed, and that is logged. Default 768.
   */
  maxConnections?: number;
  /** Where the server logs (connection limit, warnings). Default: pretty lines on stderr, level info. */
  logger?: ServerLogger;
  /** Log one info line per request (method, path, status, ms; never a key). Default false. */
  accessLog?: boolean;
  /** Serve HTTPS with this PEM certificate (chain) and private key. */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Ms between purges of expired messages. Default 60000. */
  purgeInterval?: number;
  onError?: (error: unknown) => void;
}

export interface RunningServer {
  /** e.g. 'http://127.0.0.1:43121', no trailing slash. */
  url: string;
  port: number;
  applications: Record<string, string[]>;
  storage: Storage;
  /** Stops listening, ends held long-polls, stops the purger, closes a storage it opened. */
  close(): Promise<void>;
}

export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 5000,
  db: 'var/queuey.db',
  purgeInterval: 60_000,
} satisfies ServerOptions;

// After this long, connections still open at close are cut.
const CLOSE_GRACE_MS = 2_000;

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const applications = normalizeApplications(options.applications);
  // Checked before anything opens, so a bad name leaves nothing behind.
  enabledExtensions(options.disableExtensions);
  const limits = connectionLimits(options);
  const admission = new Admission(
    admissionLimits(options, limits.maxConnections, (message) => new ServerConfigError(message)),
  );
  const logger = options.logger ?? createLogger();
  const host = options.host ?? SERVER_DEFAULTS.host;
  const port = options.port ?? SERVER_DEFAULTS.port;
  const now = options.now ?? Date.now;
  const ownsStorage = !options.storage;
  const storage = options.storage ?? (await openDb(options.db ?? SERVER_DEFAULTS.db, options));
  const closing = new AbortController();
  const app = createApp({
    storage,
    applications,
    now,
    bodyLimit: options.bodyLimit ?? APP_DEFAULTS.bodyLimit,
    maxWait: options.maxWait ?? APP_DEFAULTS.maxWait,
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.maxAnswerBytes ? { maxAnswerBytes: options.maxAnswerBytes } : {}),
    signal: closing.signal,
    admission,
    ...(options.disableExtensions ? { disableExtensions: options.disableExtensions } : {}),
    ...(options.accessLog
      ? { accessLog: (entry: LogFields) => logger.info('request', entry) }
      : {}),
    logger,
    onError: options.onError ?? ((error: unknown) => logger.error('unexpected error', error)),
  });
  let server: Server;
  try {
    server = await listen(app, { host, port, limits, tls: options.tls });
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
  guardConnections(server, limits, admission, logger);
  if (!options.tls && !isLoopback(host)) {
    logger.warn(
      'serving plain HTTP on a non-loopback address: application keys and messages cross the network unencrypted; give a TLS certificate and key (--tls-cert/--tls-key) or put a TLS proxy in front',
      { host },
    );
  }
  const purger = startPurger(storage, now, options.purgeInterval ?? SERVER_DEFAULTS.purgeInterval);
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    applications,
    storage,
    close() {
      closed ??= (async () => {
        closing.abort();
        await purger.stop();
        await closeServer(server);
        if (ownsStorage) await storage.close();
      })();
      return closed;
    },
  };
}

function connectionLimits(options: ServerOptions): ConnectionLimits {
  const limits: ConnectionLimits = { ...CONNECTION_DEFAULTS };
  for (const name of Object.keys(limits) as (keyof ConnectionLimits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new ServerConfigError(`${name} must be a positive integer, got ${value}`);
    }
    limits[name] = value;
  }
  return limits;
}

export function normalizeApplications(
  applications: Record<string, string | readonly string[]> | undefined,
): Record<string, string[]> {
  if (!applications) return { queuey: [randomBytes(16).toString('hex')] };
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(applications)) {
    if (!/^[\w.~-]+$/.test(name)) {
      throw new ServerConfigError(
        `Application name ${JSON.stringify(name)} may only contain letters, digits, "_", "-", "." and "~".`,
      );
    }
    const keys = (typeof value === 'string' ? value.split(/[\s,]+/) : [...value])
      .map((key) => key.trim())
      .filter((key) => key !== '');
    if (keys.length === 0) throw new ServerConfigError(`Application ${name} has no key.`);
    result[name] = keys;
  }
  return result;
}

export const isPostgresUrl = (db: string) => /^postgres(ql)?:\/\//i.test(db);

async function openDb(db: string, options: ServerOptions): Promise<Storage> {
  const now = options.now ?? Date.now;
  if (isPostgresUrl(db)) {
    // Imported here so a SQLite server never loads pg (an optional peer).
    const { openPostgresStorage } = await loadPostgresStorage();
    return openPostgresStorage({
      url: db,
      now,
      ...(options.postgresSchema ? { schema: options.postgresSchema } : {}),
      ...(options.postgresPool ? { pool: options.postgresPool } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
  return openSqliteStorage({
    path: db,
    now,
    ...(options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {}),
  });
}

/** 127.0.0.0/8, ::1 and localhost: reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i.test(host);
}

function listen(
  app: QueueyApp,
  options: { host: string; port: number; limits: ConnectionLimits; tls: ServerOptions['tls'] },
) {
  const { host, port, limits, tls } = options;
  return new Promise<Server>((resolve, reject) => {
    const timeouts = serverTimeouts(limits);
    const server: Server = tls
      ? createHttpsServer({ ...timeouts, cert: pem(tls.cert), key: pem(tls.key) }, app.handle)
      : createHttpServer(timeouts, app.handle);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

const pem = (value: string | Uint8Array) =>
  typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    // Connections whose last answer just went out become idle; close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 20);
    server.close(() => {
      clearTimeout(cut);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Purges expired messages every `interval` ms; never keeps the process alive. */
function startPurger(storage: Storage, now: () => number, interval: number) {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        // A full slice means more may be left. Between slices the purger yields
        // to I/O, so with SQLite (synchronous) no request waits behind more than one.
        while (!stopped && (await storage.purgeExpired(now(), PURGE_SLICE)) >= PURGE_SLICE) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch {
        // Storage trouble shows in heartbeat and requests; the next round retries.
      }
    });
  }, interval);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
