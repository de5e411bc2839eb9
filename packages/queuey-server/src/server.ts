/** Serving the app over HTTP, with the background purge and a graceful close. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import { APP_DEFAULTS, createApp } from './app.js';
import { ServerConfigError } from './errors.js';
import { openSqliteStorage } from './storage/index.js';
import type { SynchronousMode } from './storage/sqlite-schema.js';
import type { Storage } from './storage/types.js';

export interface ServerOptions {
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
  /** App name -> key(s). Default `{ queuey: [<random 32-hex key>] }`. */
  applications?: Record<string, string | readonly string[]>;
  /** Clock, epoch ms (for TTL tests). Default Date.now. */
  now?: () => number;
  /** Bytes; a bigger request body is a 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Longest `wait` a read may ask for, seconds. Default 30. */
  maxWait?: number;
  /** Largest body of one message, bytes (413 above). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Message body bytes in one read's answer. Default 8 MiB. */
  maxAnswerBytes?: number;
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

// A slice of the purge; between slices the purger yields to I/O, so with
// SQLite (synchronous) no request waits behind more than one slice.
const PURGE_BATCH = 1_000;
// After this long, connections still open at close are cut.
const CLOSE_GRACE_MS = 2_000;

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const applications = normalizeApplications(options.applications);
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
    ...(options.onError ? { onError: options.onError } : {}),
  });
  let server: Server;
  try {
    server = await listen(app.fetch, host, port);
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
  const purger = startPurger(storage, now, options.purgeInterval ?? SERVER_DEFAULTS.purgeInterval);
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
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
    // Imported here so a SQLite server never loads pg.
    const { openPostgresStorage } = await import('./storage/postgres.js');
    return openPostgresStorage({
      url: db,
      now,
      ...(options.postgresSchema ? { schema: options.postgresSchema } : {}),
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

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
) {
  return new Promise<Server>((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, () => {
      server.off('error', reject);
      resolve(server);
    }) as Server;
    server.once('error', reject);
  });
}

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
        // A full batch means more may be left.
        while (!stopped && (await storage.purgeExpired(now(), PURGE_BATCH)) >= PURGE_BATCH) {
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
