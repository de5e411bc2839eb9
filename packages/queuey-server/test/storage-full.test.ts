/**
 * A full disk (SQLite's genuine SQLITE_FULL, from a database capped with
 * max_page_count): writes answer 507 with a plain reason, the episode is
 * logged once when it starts and once when it ends, the heartbeat says so
 * (still 200: reads go on), nothing acknowledged is lost, and it clears by
 * itself with the first write after space returned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { toStorageError } from '../src/storage/error-map.js';
import { isStorageFull } from '../src/storage/errors.js';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/index.js';
import { KEY, send } from './support/http-fixture.js';

describe('a full disk (SQLite)', { timeout: 60_000 }, () => {
  let dir = '';
  let storage: SqliteStorage | undefined;
  let server: RunningServer | undefined;
  const lines: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queuey-full-'));
    lines.length = 0;
  });
  afterEach(async () => {
    await server?.close();
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 507 to writes, logs the episode once, shows it on the heartbeat, and clears when space returns', async () => {
    // About 200 KiB of database: a few dozen 4 KiB messages.
    storage = await openSqliteStorage({ path: join(dir, 'full.db'), maxPageCount: 50 });
    const logger = createLogger({ format: 'json', write: (line) => lines.push(line) });
    const errors: unknown[] = [];
    server = await startServer({
      port: 0,
      storage,
      applications: { queuey: [KEY] },
      logger,
      onError: (error) => errors.push(error),
    });
    const url = server.url;
    for (const queue_name of ['jobs', 'ballast']) {
      expect((await send(url, 'POST', '/v1/queuey', { form: { queue_name } })).status).toBe(201);
    }
    const body = 'x'.repeat(4000);
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    // Fill it: the ballast queue takes what space there is, then every write is refused.
    for (let i = 0; i < 300; i++) {
      const queue = i % 4 === 0 ? 'jobs' : 'ballast';
      const reply = await send(url, 'POST', `/v1/queuey/${queue}`, { body: `${i}:${body}` });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status === 201 && queue === 'jobs') acknowledged.push(`${i}`);
      if (reply.status === 507) {
        expect(reply.json).toEqual({
          status: 'error',
          error_msg: { storage: expect.stringMatching(/storage is full: nothing was written/) },
        });
      }
    }
    expect([...statuses.keys()].sort()).toEqual([201, 507]);
    expect(statuses.get(507)).toBeGreaterThan(100);
    expect(acknowledged.length).toBeGreaterThan(0);
    // A PUT is refused the same way.
    const id = '0a5bbc2e9c7011ef8000a1b2c3d4e5f6';
    const put = await send(url, 'PUT', `/v1/queuey/jobs/${id}`, { body });
    expect([200, 507]).toContain(put.status);

    // Once per episode, not once per request; no "unexpected error" lines.
    const logged = () => lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(logged().filter((l) => /storage full/.test(l.msg))).toHaveLength(1);
    expect(errors).toEqual([]);
    const beat = await send(url, 'GET', '/__heartbeat__', { key: null });
    expect(beat.status).toBe(200);
    expect(beat.json).toMatchObject({ status: 'ok', storage: 'full' });
    expect((await send(url, 'HEAD', '/__heartbeat__', { key: null })).status).toBe(200);

    // Reads go on, and every acknowledged post is there.
    const read = await send(url, 'GET', '/v1/queuey/jobs', { query: { limit: 1000 } });
    expect(read.status).toBe(200);
    const bodies = read.json.messages.map((m: { body: string }) => m.body.split(':')[0]);
    expect(bodies).toEqual(expect.arrayContaining(acknowledged));

    // Space returns (the ballast queue is deleted): the next write is taken and the episode ends.
    expect((await send(url, 'DELETE', '/v1/queuey/ballast')).status).toBe(200);
    const after = await send(url, 'POST', '/v1/queuey/jobs', { body: 'after' });
    expect(after.status).toBe(201);
    expect(logged().filter((l) => /space again/.test(l.msg))).toHaveLength(1);
    const cleared = await send(url, 'GET', '/__heartbeat__', { key: null });
    expect(cleared.json).toEqual({ status: 'ok' });
  });
});

describe('a full disk (PostgreSQL)', () => {
  it('maps SQLSTATE 53100 (disk_full) to the same full-storage error, and others not', () => {
    const full = Object.assign(new Error('could not extend file: No space left on device'), {
      code: '53100',
    });
    const mapped = toStorageError(full, 'store messages', 'PostgreSQL');
    expect(mapped).toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_FULL', cause: full });
    expect(mapped.message).toMatch(/disk is full/);
    expect(isStorageFull(mapped)).toBe(true);
    const other = toStorageError(
      Object.assign(new Error('too many'), { code: '53300' }),
      'x',
      'PostgreSQL',
    );
    expect(other.code).toBe('QUEUEY_SERVER_STORAGE_UNAVAILABLE');
    expect(isStorageFull(other)).toBe(false);
  });
});
