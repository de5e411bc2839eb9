/**
 * One mapping of database failures (src/storage/error-map.ts), applied by the
 * write layer to both backends, with genuine driver errors: SQLite's lock
 * held past `busyTimeout` and a PostgreSQL that refuses connections are the
 * same transient error (503 with Retry-After over HTTP); a capped SQLite
 * database is the full-storage error PostgreSQL's 53100 is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import { toStorageError } from '../src/storage/error-map.js';
import { openSqliteStorage, type SqliteStorage, StorageError } from '../src/storage/index.js';
import { openPostgresStorage } from '../src/storage/postgres.js';
import { KEY, send } from './support/http-fixture.js';
import { APP, createQueue } from './support/storage-fixture.js';

/** Nothing listens on port 1: the connection is refused at once. */
const REFUSING_URL = 'postgres://queuey@127.0.0.1:1/queuey';

describe('storage errors, one mapping for both backends', () => {
  let dir = '';
  const opened: SqliteStorage[] = [];
  const holders: Database.Database[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queuey-storage-errors-'));
  });
  afterEach(async () => {
    for (const holder of holders.splice(0)) holder.close();
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A SQLite storage whose file another process (connection) holds the write lock of. */
  async function lockedStorage(busyTimeout: number) {
    const file = join(dir, 'locked.db');
    const storage = await openSqliteStorage({ path: file, busyTimeout });
    opened.push(storage);
    await createQueue(storage, 'q');
    const other = new Database(file);
    holders.push(other);
    other.prepare('BEGIN IMMEDIATE').run();
    return { storage, release: () => other.prepare('COMMIT').run() };
  }

  it("maps SQLite's lock held past busyTimeout and a refused PostgreSQL connection to the same transient error", async () => {
    const { storage } = await lockedStorage(50);
    const post = [{ body: 'x', partition: 1, ttl: 60 }];
    const busy = await storage.insertMessages(APP, 'q', post, Date.now()).catch((e) => e);
    expect(busy).toBeInstanceOf(StorageError);
    expect(busy).toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE', transient: true });
    expect(busy.cause).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(busy.message).toMatch(/^cannot store messages: another process holds the SQLite/);

    const refused = await openPostgresStorage({ url: REFUSING_URL }).catch((e) => e);
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ code: busy.code, transient: busy.transient });
    expect(refused.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(refused.message).toMatch(/PostgreSQL is unreachable or not answering/);
    // The URL may hold a password: it never appears.
    expect(refused.message).not.toContain('127.0.0.1:1/queuey');
  });

  it('maps a capped SQLite database (SQLITE_FULL) and SQLSTATE 53100 to the same full-storage error, and tells space observers once per failed write', async () => {
    const storage = await openSqliteStorage({ path: join(dir, 'full.db'), maxPageCount: 30 });
    opened.push(storage);
    await createQueue(storage, 'q');
    const failed: unknown[] = [];
    storage.watchSpace({ wrote: () => {}, failed: (error) => failed.push(error) });
    let full: unknown;
    for (let i = 0; i < 200 && full === undefined; i++) {
      const batch = [{ body: 'x'.repeat(4000), partition: 1, ttl: 60 }];
      full = await storage.insertMessages(APP, 'q', batch, Date.now()).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(full).toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_FULL', transient: false });
    expect((full as Error).cause).toMatchObject({ code: 'SQLITE_FULL' });
    expect(failed).toEqual([full]);
    const disk = Object.assign(new Error('could not extend file'), { code: '53100' });
    const mapped = toStorageError(disk, 'store messages', 'PostgreSQL');
    expect(mapped).toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_FULL', transient: false });
  });

  it('answers a post 503 with Retry-After while another process holds the SQLite lock, and 201 once it is released', async () => {
    const { storage, release } = await lockedStorage(50);
    const server = await startServer({
      port: 0,
      storage,
      applications: { [APP]: [KEY] },
      onError: () => {},
    });
    try {
      const refused = await send(server.url, 'POST', `/v1/${APP}/q`, { body: 'x' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.json).toEqual({
        status: 'error',
        error_msg: { storage: expect.stringMatching(/^Back-end storage unavailable\./) },
      });
      release();
      expect((await send(server.url, 'POST', `/v1/${APP}/q`, { body: 'x' })).status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
