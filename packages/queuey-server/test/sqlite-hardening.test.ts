/**
 * SQLite-only regressions: the purge and another process's lock
 * never stall the event loop for long, and durability is a setting whose
 * default keeps every acknowledged post.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/index.js';
import { KEY, send } from './support/http-fixture.js';
import { APP, createQueue, manualClock } from './support/storage-fixture.js';

const EXPIRED = Number(process.env.QUEUEY_PURGE_MESSAGES ?? 300_000);

describe('sqlite hardening', () => {
  let dir: string;
  const opened: SqliteStorage[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queuey-sqlite-hardening-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const pragma = (file: string, name: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.pragma(name, { simple: true });
    } finally {
      db.close();
    }
  };

  it('syncs every commit by default (synchronous = FULL); normal and off on request', async () => {
    const file = join(dir, 'd.db');
    const storage = await openSqliteStorage({ path: file });
    opened.push(storage);
    for (const [mode, level] of [
      ['full', 'full'],
      ['normal', 'normal'],
      ['off', 'off'],
    ] as const) {
      const path = join(dir, `${mode}.db`);
      const s = await openSqliteStorage({ path, synchronous: mode });
      opened.push(s);
      expect(s.synchronous()).toBe(level);
    }
    expect(storage.synchronous()).toBe('full');
    await expect(
      openSqliteStorage({ path: join(dir, 'x.db'), synchronous: 'fast' as 'full' }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/synchronous must be one of full/) });
    expect(pragma(file, 'journal_mode')).toBe('wal');
  });

  it('reads synchronous from [storage] in the INI file and names a bad value', () => {
    const config = parseServerConfig('[storage]\nsynchronous = normal\n', { file: 'q.ini' });
    expect(config.storage).toEqual({ backend: 'sqlite', synchronous: 'normal' });
    expect(() => parseServerConfig('[storage]\nsynchronous = fast\n', { file: 'q.ini' })).toThrow(
      /q\.ini:2 \[storage\] synchronous: expected one of full, normal, off, got "fast"/,
    );
  });

  it('waits for another process lock without blocking the event loop', async () => {
    const file = join(dir, 'busy.db');
    const storage = await openSqliteStorage({ path: file, busyTimeout: 10_000 });
    opened.push(storage);
    await createQueue(storage, 'busy');
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let settled = false;
    const insert = storage
      .insertMessages(APP, 'busy', [{ body: 'x', partition: 1, ttl: 60 }], Date.now())
      .finally(() => {
        settled = true;
      });
    // The loop keeps turning while the write waits: 50 timer turns pass.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(settled).toBe(false);
    other.prepare('COMMIT').run();
    other.close();
    expect(await insert).toHaveLength(1);
    delay.disable();
    const longest = delay.max / 1e6;
    console.log(`longest event-loop stall while waiting for the lock: ${longest.toFixed(1)} ms`);
    expect(longest).toBeLessThan(200);
  });

  it(`purges ${EXPIRED} expired messages in slices while requests are answered`, async () => {
    const clock = manualClock(Date.UTC(2030, 0, 1));
    const file = join(dir, 'purge.db');
    const storage = await openSqliteStorage({ path: file });
    opened.push(storage);
    await createQueue(storage, 'purge', { partitions: 4 });
    const batch = 5_000;
    for (let i = 0; i < EXPIRED; i += batch) {
      const messages = Array.from({ length: Math.min(batch, EXPIRED - i) }, (_, j) => ({
        body: `expired message ${i + j}`,
        partition: 1 + ((i / batch) % 4),
        ttl: 1,
      }));
      await storage.insertMessages(APP, 'purge', messages, clock.now());
    }
    clock.advance(2_000);
    const probe = new Database(file, { readonly: true });
    const left = () =>
      probe.prepare('SELECT EXISTS (SELECT 1 FROM messages) AS any').get() as {
        any: number;
      };
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const server = await startServer({
      port: 0,
      storage,
      now: clock.now,
      applications: { queuey: KEY },
      purgeInterval: 10,
    });
    const latencies: number[] = [];
    const started = performance.now();
    try {
      delay.enable();
      while (left().any === 1) {
        const at = performance.now();
        const reply = await send(server.url, 'GET', '/__heartbeat__');
        latencies.push(performance.now() - at);
        expect(reply.status).toBe(200);
        if (performance.now() - started > 120_000) throw new Error('the purge did not finish');
      }
      delay.disable();
    } finally {
      probe.close();
      await server.close();
    }
    const purgeMs = performance.now() - started;
    const stall = delay.max / 1e6;
    const slowest = Math.max(...latencies);
    console.log(
      `purge of ${EXPIRED} expired messages: ${purgeMs.toFixed(0)} ms; ${latencies.length} heartbeats meanwhile, ` +
        `slowest ${slowest.toFixed(1)} ms; longest event-loop stall ${stall.toFixed(1)} ms`,
    );
    // Before slicing, the one heartbeat sent waited for the whole purge (about 1 s).
    expect(latencies.length).toBeGreaterThan(5);
    expect(slowest).toBeLessThan(500);
    expect(stall).toBeLessThan(500);
  }, 180_000);
});
