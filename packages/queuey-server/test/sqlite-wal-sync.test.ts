/**
 * Group commit at `synchronous = full` (src/storage/sqlite-wal-sync.ts): a
 * write resolves, and watchers hear of it, only after an fdatasync of the
 * WAL that began after its commit; commits made while a sync runs share the
 * next one; a failed sync fails the writes that waited for it, and the
 * server then answers 500, never 201. The syncs are real fdatasync calls on
 * the real WAL file; the test only holds them back to order events.
 */
import { fdatasync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/index.js';
import type { SyncFile } from '../src/storage/sqlite-wal-sync.js';
import { KEY, send } from './support/http-fixture.js';
import { APP, bodies, createQueue } from './support/storage-fixture.js';

type Release = (error?: NodeJS.ErrnoException) => void;

/** fdatasync, counted, and held back while the test says so. */
function controlledSync() {
  const held: Release[] = [];
  let holding = false;
  let calls = 0;
  let arrived: (() => void) | undefined;
  const sync: SyncFile = (fd, done) => {
    calls++;
    const release: Release = (error) => (error ? done(error) : fdatasync(fd, done));
    if (holding) held.push(release);
    else release();
    arrived?.();
  };
  return {
    sync,
    get calls() {
      return calls;
    },
    hold() {
      holding = true;
    },
    /** Resolves once `count` syncs are held. */
    async held(count: number): Promise<void> {
      while (held.length < count) await new Promise<void>((r) => (arrived = r));
    },
    /** Lets the held syncs run (or fail with `error`) and stops holding. */
    release(error?: NodeJS.ErrnoException) {
      holding = false;
      for (const run of held.splice(0)) run(error);
    },
  };
}

/** Tracks whether a promise settled. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('sqlite group commit (synchronous = full)', () => {
  let dir: string;
  const opened: SqliteStorage[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queuey-wal-sync-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function open(sync: SyncFile, synchronous?: 'full' | 'normal' | 'off') {
    const path = join(dir, `q${opened.length}.db`);
    const storage = await openSqliteStorage({
      path,
      syncFile: sync,
      ...(synchronous ? { synchronous } : {}),
    });
    opened.push(storage);
    await createQueue(storage, 'q', { partitions: 2 });
    return { storage, path };
  }

  it('answers a write only after a WAL sync that began after its commit, and wakes watchers then', async () => {
    const sync = controlledSync();
    const { storage, path } = await open(sync.sync);
    expect(storage.synchronous()).toBe('full');
    const woken: number[][] = [];
    storage.watch((event) => woken.push(event.partitions));
    const reader = new Database(path, { readonly: true });
    try {
      sync.hold();
      const write = storage.insertMessages(APP, 'q', bodies(3), Date.now());
      const state = track(write);
      await sync.held(1);
      await turn();
      // Committed (another connection reads the rows), yet not answered nor announced.
      expect(reader.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 3 });
      expect(state.settled).toBe(false);
      expect(woken).toEqual([]);
      sync.release();
      await expect(write).resolves.toHaveLength(3);
      expect(woken).toEqual([[1]]);
    } finally {
      reader.close();
    }
  });

  it('makes the commits that land during a sync durable with one more sync, not one each', async () => {
    const sync = controlledSync();
    const { storage } = await open(sync.sync);
    const before = sync.calls;
    sync.hold();
    const first = storage.insertMessages(APP, 'q', bodies(1, 'first'), Date.now());
    await sync.held(1);
    const group = Array.from({ length: 5 }, (_, i) =>
      storage.insertMessages(APP, 'q', bodies(10, `g${i}-`), Date.now()),
    );
    await turn();
    expect(sync.calls - before).toBe(1);
    sync.release();
    await first;
    const written = await Promise.all(group);
    expect(written.flat()).toHaveLength(50);
    // 6 writes, 2 syncs: the first write's, and one for the five that waited behind it.
    expect(sync.calls - before).toBe(2);
  });

  it('fails the writes a failed sync covered, with a code and what to check; later writes sync again', async () => {
    const sync = controlledSync();
    const { storage } = await open(sync.sync);
    sync.hold();
    const write = storage.insertMessages(APP, 'q', bodies(2), Date.now());
    await sync.held(1);
    sync.release(Object.assign(new Error('i/o error'), { code: 'EIO' }));
    await expect(write).rejects.toMatchObject({
      code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/write-ahead log to disk \(EIO\).*check the disk/),
    });
    await expect(storage.insertMessages(APP, 'q', bodies(1), Date.now())).resolves.toHaveLength(1);
  });

  it('answers 500 to a post whose sync failed, never 201', async () => {
    const sync = controlledSync();
    const { storage } = await open(sync.sync);
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', write: (line) => lines.push(line) });
    const server = await startServer({ port: 0, storage, logger, applications: { [APP]: KEY } });
    try {
      sync.hold();
      const post = send(server.url, 'POST', `/v1/${APP}/q`, { body: 'hello' });
      await sync.held(1);
      sync.release(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      const reply = await post;
      expect(reply.status).toBe(500);
      expect(JSON.stringify(reply.json)).toMatch(/storage unavailable/i);
      // The operator learns why; the client is told only that storage failed.
      expect(lines.join('\n')).toMatch(/write-ahead log to disk \(ENOSPC\)/);
      expect(JSON.stringify(reply.json)).not.toMatch(/ENOSPC/);
      const ok = await send(server.url, 'POST', `/v1/${APP}/q`, { body: 'again' });
      expect(ok.status).toBe(201);
    } finally {
      await server.close();
    }
  });

  it('waits for a sync under way before closing', async () => {
    const sync = controlledSync();
    const { storage } = await open(sync.sync);
    sync.hold();
    const write = storage.insertMessages(APP, 'q', bodies(1), Date.now());
    await sync.held(1);
    const closing = track(storage.close());
    await turn();
    expect(closing.settled).toBe(false);
    sync.release();
    await expect(write).resolves.toHaveLength(1);
    await expect.poll(() => closing.settled).toBe(true);
  });

  it('does no syncs of its own at normal and off, nor on :memory:', async () => {
    for (const mode of ['normal', 'off'] as const) {
      const sync = controlledSync();
      const { storage } = await open(sync.sync, mode);
      await storage.insertMessages(APP, 'q', bodies(3), Date.now());
      expect(storage.synchronous()).toBe(mode);
      expect(sync.calls).toBe(0);
    }
    const sync = controlledSync();
    const memory = await openSqliteStorage({ path: ':memory:', syncFile: sync.sync });
    opened.push(memory);
    await createQueue(memory, 'q');
    await memory.insertMessages(APP, 'q', bodies(3), Date.now());
    expect(sync.calls).toBe(0);
  });
});
