import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStorage, type Storage, type StoredMessage } from '../src/storage/index.js';
import { readSql } from '../src/storage/sqlite-sql.js';
import { manualClock, storageSuite } from './storage-suite.js';
import { runWriter } from './support/postgres-tsx.js';
import { APP, bodies, byPosition, createQueue, openInTempDir } from './support/storage-fixture.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'queuey-storage-'));
}

storageSuite('sqlite', () => openInTempDir(manualClock()));

describe('sqlite storage', () => {
  let dir: string;
  const opened: Storage[] = [];
  const open = async (file = 'queuey.db') => {
    const storage = await openSqliteStorage({ path: join(dir, file) });
    opened.push(storage);
    return storage;
  };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('reads with since through a range scan of the message index, in either order', async () => {
    await open();
    const db = new Database(join(dir, 'queuey.db'), { readonly: true });
    try {
      const id = Buffer.alloc(16);
      const cases = [
        [readSql('ascending', 'id'), [1, 1, 0, 5n, id, 10]],
        [readSql('descending', 'id'), [1, 1, 0, 5n, id, 10]],
        [readSql('ascending', 'time'), [1, 1, 0, 5n, 10]],
        [readSql('descending', 'time'), [1, 1, 0, 5n, 10]],
      ] as const;
      for (const [sql, params] of cases) {
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
        )
          .map((row) => row.detail)
          .join('\n');
        // Equality on the partition prefix and a range on the position, on the
        // clustered key that also gives the order: no scan and no sort step.
        expect(plan).toMatch(
          /SEARCH messages USING PRIMARY KEY \(queue_key=\? AND partition=\? AND \(?time/,
        );
        expect(plan).not.toMatch(/TEMP B-TREE|SCAN messages/);
      }
    } finally {
      db.close();
    }
  });

  it('keeps ids increasing when two storages write to one file', async () => {
    const first = await open();
    const second = await open();
    await createQueue(first, 'shared');
    const written: StoredMessage[] = [];
    const now = Date.now();
    for (let round = 0; round < 20; round++) {
      // The second storage's clock runs a minute behind the first one.
      written.push(...(await first.insertMessages(APP, 'shared', bodies(2), now + round)));
      written.push(...(await second.insertMessages(APP, 'shared', bodies(3), now - 60_000)));
    }
    for (let i = 1; i < written.length; i++) {
      expect(byPosition(written[i - 1] as StoredMessage, written[i] as StoredMessage)).toBe(-1);
    }
    const read = await second.readMessages(APP, 'shared', {
      partition: 1,
      limit: 1000,
      order: 'ascending',
      now,
    });
    expect(read.map((m) => m.id)).toEqual(written.map((m) => m.id));
  });

  it('creates the directory of a database file and works in memory too', async () => {
    const nested = await open(join('var', 'deep', 'queuey.db'));
    expect(await nested.healthy()).toBe(true);
    const memory = await openSqliteStorage({ path: ':memory:' });
    opened.push(memory);
    await createQueue(memory, 'm');
    await memory.insertMessages(APP, 'm', bodies(2), Date.now());
    expect(await memory.countMessages(APP, 'm', Date.now())).toBe(2);
  });

  it('stores messages that are only visible to the storage whose file they are in', async () => {
    const a = await open('a.db');
    const b = await open('b.db');
    await createQueue(a, 'q');
    await a.insertMessages(APP, 'q', bodies(1), Date.now());
    expect(await a.countMessages(APP, 'q', Date.now())).toBe(1);
    expect(await b.countMessages(APP, 'q', Date.now())).toBe(0);
  });

  it('refuses a database file whose schema it does not know, saying what to do', async () => {
    const newer = new Database(join(dir, 'newer.db'));
    newer.pragma('user_version = 99');
    newer.close();
    await expect(openSqliteStorage({ path: join(dir, 'newer.db') })).rejects.toMatchObject({
      name: 'StorageError',
      code: 'QUEUEY_SERVER_SCHEMA_UNSUPPORTED',
      message: expect.stringMatching(/version 99.*new database file/),
    });
    // Opening twice is fine: the schema is created once.
    const first = await open('same.db');
    await createQueue(first, 'kept');
    await first.close();
    const again = await open('same.db');
    expect((await again.getQueue(APP, 'kept'))?.name).toBe('kept');
  });

  it('adds the headers column to a file written before it existed, keeping its messages', async () => {
    const old = await open('old.db');
    await createQueue(old, 'q');
    await old.insertMessages(APP, 'q', bodies(1), Date.now());
    await old.close();
    const file = new Database(join(dir, 'old.db'));
    file.exec('ALTER TABLE messages DROP COLUMN headers');
    file.close();
    const upgraded = await open('old.db');
    const headers = { traceparent: 'x' };
    await upgraded.insertMessages(
      APP,
      'q',
      [{ body: 'h', partition: 1, ttl: 60, headers }],
      Date.now(),
    );
    const read = await upgraded.readMessages(APP, 'q', {
      partition: 1,
      limit: 10,
      order: 'ascending',
      now: Date.now(),
    });
    expect(read.map((m) => m.headers)).toEqual([undefined, headers]);
  });

  it('keeps ids increasing in the order of commits when processes share one file', async () => {
    const path = join(dir, 'shared.db');
    const reader = await open('shared.db');
    await createQueue(reader, 'procs');
    const writer = fileURLToPath(new URL('./support/storage-sqlite-writer.ts', import.meta.url));
    const perProcess = 150;
    const skews = [0, -30_000, 30_000];
    let running = skews.length;
    const exits = skews.map((skew) =>
      runWriter(writer, [path, APP, 'procs', String(perProcess), String(skew)]).finally(() => {
        running--;
      }),
    );

    // Page while they write: `since` is inclusive, so drop the resume point.
    const seen: StoredMessage[] = [];
    let since: { time: bigint; id: string } | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const doneBefore = running === 0;
      const page = await reader.readMessages(APP, 'procs', {
        partition: 1,
        limit: 50,
        order: 'ascending',
        now: Date.now(),
        since,
      });
      const fresh = page.filter((m) => m.id !== since?.id);
      seen.push(...fresh);
      const last = page.at(-1);
      if (last) since = { time: last.time, id: last.id };
      if (doneBefore && fresh.length === 0) break;
      if (Date.now() > deadline) throw new Error('the reader did not catch up with the writers');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const outputs = await Promise.all(exits);
    expect(outputs.map((o) => JSON.parse(o).written)).toEqual(skews.map(() => perProcess));
    expect(seen).toHaveLength(perProcess * skews.length);
    expect(new Set(seen.map((m) => m.body)).size).toBe(seen.length);
    for (let i = 1; i < seen.length; i++) {
      expect(byPosition(seen[i - 1] as StoredMessage, seen[i] as StoredMessage)).toBe(-1);
    }
  }, 90_000);
});
