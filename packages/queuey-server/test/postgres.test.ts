import { timeFromEpochMs } from '@qdo/common';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStorage, type PostgresStorage } from '../src/storage/postgres.js';
import { readSql } from '../src/storage/postgres-messages.js';
import { MIGRATIONS, migrate } from '../src/storage/postgres-migrations.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';

const APP = 'app';
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

describe('PostgreSQL storage', () => {
  let db: TestSchema;
  const opened: PostgresStorage[] = [];
  const open = async (options?: Parameters<TestSchema['open']>[0]) => {
    const storage = await db.open(options);
    opened.push(storage);
    return storage;
  };
  // Writes need their queue (a write to a missing queue is QUEUEY_SERVER_QUEUE_NOT_FOUND).
  const openWithQueue = async () => {
    const storage = await open();
    await storage.putQueue({
      application: APP,
      name: 'q',
      partitions: 1,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    return storage;
  };
  beforeEach(async () => {
    db = await createTestSchema();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await db?.drop();
  });

  it('applies each migration once when many servers start at once and when they restart', async () => {
    await Promise.all(Array.from({ length: 6 }, () => open({ pool: { max: 2 } })));
    await open();
    const rows = await db.query('SELECT version FROM queuey_schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('applies a new migration exactly once while several servers migrate together', async () => {
    await open();
    const next = [
      ...MIGRATIONS,
      {
        version: 99,
        name: 'test',
        sql: 'CREATE TABLE extra (n integer); INSERT INTO extra VALUES (1);',
      },
    ];
    const clients = Array.from(
      { length: 4 },
      () => new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` }),
    );
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const applied = await Promise.all(
        clients.map((c) => migrate(c, { schema: db.schema, migrations: next })),
      );
      expect(applied.flat()).toEqual([99]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(await db.query('SELECT n FROM extra')).toEqual([{ n: 1 }]);
  });

  it('keys the messages of a database written before migration 5 by their queue, reads them and purges them by range', async () => {
    const client = new pg.Client({
      connectionString: db.url,
      options: `-c search_path=${db.schema}`,
    });
    await client.connect();
    try {
      await migrate(client, {
        schema: db.schema,
        migrations: MIGRATIONS.filter((m) => m.version < 5),
      });
      await client.query(
        `INSERT INTO queuey_queues (application, name, partitions, type, consistency, created)
         VALUES ('app', 'q', 2, 'user', 'strong', 1), ('app', 'r', 1, 'user', 'strong', 1)`,
      );
      // Two queues, and one message left of a queue that is gone.
      await client.query(
        `INSERT INTO queuey_messages (application, queue, partition, time, id, body, expires_at)
         VALUES ('app', 'q', 1, 10, '00000000-0000-1000-8000-000000000001', 'q1', 9e15),
                ('app', 'q', 2, 11, '00000000-0000-1000-8000-000000000002', 'q2', 9e15),
                ('app', 'r', 1, 12, '00000000-0000-1000-8000-000000000003', 'r1', 9e15),
                ('app', 'gone', 1, 13, '00000000-0000-1000-8000-000000000004', 'x', 9e15)`,
      );
    } finally {
      await client.end();
    }
    const storage = await open();
    const read = (queue: string, partition: number) =>
      storage.readMessages(APP, queue, { partition, order: 'ascending', limit: 10, now: 0 });
    expect((await read('q', 1)).map((m) => m.body)).toEqual(['q1']);
    expect((await read('q', 2)).map((m) => m.body)).toEqual(['q2']);
    expect((await read('r', 1)).map((m) => m.body)).toEqual(['r1']);
    expect(await db.query('SELECT count(*)::int AS n FROM queuey_messages')).toEqual([{ n: 3 }]);
    // Migration 6: their expiry ranges instead of an index.
    expect(await db.query('SELECT count(*)::int AS n FROM queuey_expiries')).toEqual([{ n: 3 }]);
    expect(await storage.purgeExpired(Number.MAX_SAFE_INTEGER, 10)).toBe(3);
    const [posted] = await storage.insertMessages(
      APP,
      'q',
      [{ body: 'after', partition: 1, ttl: 60 }],
      NOW,
    );
    expect((await read('q', 1)).map((m) => m.id)).toEqual([posted?.id]);
  });

  it('refuses a database whose schema is newer than this server', async () => {
    await open();
    await db.query("INSERT INTO queuey_schema_migrations (version, name) VALUES (999, 'future')");
    await expect(db.open()).rejects.toMatchObject({
      name: 'StorageError',
      code: 'QUEUEY_SERVER_SCHEMA_UNSUPPORTED',
      message: expect.stringMatching(/version 999, newer than this server knows/),
    });
  });

  it('reads with since through one ordered range scan of the primary key', async () => {
    await open();
    // Enough rows in several queues and partitions that a full scan would be tempting.
    await db.query(
      `INSERT INTO queuey_queues (application, name, partitions, type, consistency, created)
       SELECT 'a', 'q' || g, 4, 'user', 'strong', 0 FROM generate_series(0, 4) g`,
    );
    await db.query(
      `INSERT INTO queuey_messages (queue_key, partition, time, id, body, expires_at)
       SELECT q.key, 1 + g % 4, 100000000 + g, gen_random_uuid(), 'x', 9e15
       FROM generate_series(1, 40000) g
       JOIN queuey_queues AS q ON q.application = 'a' AND q.name = 'q' || (g % 5)`,
    );
    await db.query('ANALYZE queuey_messages');
    for (const [order, kind, params] of [
      ['ascending', 'id', [100020000, '00000000-0000-1000-8000-000000000000', 10]],
      ['descending', 'time', [100020000, 10]],
      ['ascending', 'none', [10]],
    ] as const) {
      const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${readSql(order, kind)}`, [
        'a',
        'q1',
        2,
        0,
        ...params,
      ]);
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index Scan (Backward )?using queuey_messages_pkey/);
      expect(text).not.toMatch(/Sort|Seq Scan/);
    }
  });

  it('keeps bodies exact, including NUL, emoji and non-ASCII text', async () => {
    const storage = await openWithQueue();
    const bodies = ['a\u0000b', 'żółw 🐢', '', '{"json": true}'];
    const stored = await storage.insertMessages(
      APP,
      'q',
      bodies.map((body) => ({ body, partition: 1, ttl: 60 })),
      NOW,
    );
    const read = await storage.getMessages(
      APP,
      'q',
      stored.map((m) => ({ partition: 1, id: m.id })),
      NOW,
    );
    expect(read.map((m) => m.body)).toEqual(bodies);
  });

  it('starts a partition at the clock and continues above the last time when the clock lags', async () => {
    const storage = await openWithQueue();
    const [first] = await storage.insertMessages(
      APP,
      'q',
      [{ body: 'a', partition: 1, ttl: 60 }],
      NOW,
    );
    const [late] = await storage.insertMessages(
      APP,
      'q',
      [{ body: 'b', partition: 1, ttl: 60 }],
      NOW - 3_600_000,
    );
    expect(first?.time).toBe(timeFromEpochMs(NOW));
    expect(late?.time).toBe(timeFromEpochMs(NOW) + 1n);
  });

  it('purges expired messages in batches, skipping rows another transaction holds', async () => {
    const storage = await openWithQueue();
    const expiring = Array.from({ length: 1200 }, (_, i) => ({
      body: `e${i}`,
      partition: 1,
      ttl: 1,
    }));
    await storage.insertMessages(APP, 'q', expiring, NOW);
    await storage.insertMessages(APP, 'q', [{ body: 'live', partition: 1, ttl: 3600 }], NOW);
    const holder = new pg.Client({
      connectionString: db.url,
      options: `-c search_path=${db.schema}`,
    });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        'SELECT 1 FROM queuey_messages WHERE expires_at <= $1 LIMIT 1 FOR UPDATE',
        [NOW + 5000],
      );
      expect(await storage.purgeExpired(NOW + 5000, 1000)).toBe(1000);
      expect(await storage.purgeExpired(NOW + 5000)).toBe(199);
      await holder.query('ROLLBACK');
      expect(await storage.purgeExpired(NOW + 5000)).toBe(1);
    } finally {
      await holder.end();
    }
    expect(await storage.countMessages(APP, 'q', NOW + 5000)).toBe(1);
    expect(await storage.purgeExpired(NOW + 5000)).toBe(0);
    // The purged ranges went with their messages; the live message's stays.
    expect(await db.query('SELECT count(*)::int AS n FROM queuey_expiries')).toEqual([{ n: 1 }]);
  });

  it('purges a range per one-message post, many in one statement, and leaves no range behind', async () => {
    const storage = await openWithQueue();
    // 1,200 posts of one message, each expiring at an instant of its own:
    // more ranges than one purge statement takes.
    for (let i = 0; i < 1200; i++)
      await storage.insertMessages(APP, 'q', [{ body: `m${i}`, partition: 1, ttl: 1 }], NOW + i);
    await storage.insertMessages(APP, 'q', [{ body: 'live', partition: 1, ttl: 3600 }], NOW);
    const ranges = async () =>
      (await db.query('SELECT count(*)::int AS n FROM queuey_expiries'))[0]?.n;
    expect(await ranges()).toBe(1201);
    // Due: the first 600 only.
    expect(await storage.purgeExpired(NOW + 1000 + 599, 10_000)).toBe(600);
    expect(await ranges()).toBe(601);
    expect(await storage.purgeExpired(NOW + 5000, 1000)).toBe(600);
    expect(await storage.purgeExpired(NOW + 5000, 1000)).toBe(0);
    expect(await ranges()).toBe(1);
    const left = await storage.readMessages(APP, 'q', {
      partition: 1,
      order: 'ascending',
      limit: 10,
      now: 0,
    });
    expect(left.map((m) => m.body)).toEqual(['live']);
  });

  it('rejects a url or schema it cannot use, naming the setting', async () => {
    await expect(openPostgresStorage({ url: 'mysql://x' })).rejects.toMatchObject({
      name: 'ServerConfigError',
      key: 'url',
    });
    await expect(openPostgresStorage({ url: db.url, schema: 'x; DROP' })).rejects.toMatchObject({
      name: 'ServerConfigError',
      key: 'schema',
    });
  });
});
