/**
 * Several Queuey servers on one database: a message posted through one wakes
 * long-polls held by another (LISTEN/NOTIFY), the listener survives losing
 * its connection, and a storage whose database went away says so clearly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/storage/postgres.js';
import type { MessageListener } from '../src/storage/types.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';
import { type DatabaseProxy, startDatabaseProxy } from './support/postgres-proxy.js';
import { waitUntil } from './support/postgres-wait.js';

type Event = Parameters<MessageListener>[0];
const APP = 'app';
const post = async (storage: PostgresStorage, queue: string, partitions = [1]) => {
  // Writes need their queue; creating it again only updates its metadata.
  await storage.putQueue({
    application: APP,
    name: queue,
    partitions: Math.max(...partitions),
    type: 'user',
    consistency: 'strong',
    principles: [],
    created: 1,
  });
  return storage.insertMessages(
    APP,
    queue,
    partitions.map((partition) => ({ body: 'x', partition, ttl: 60 })),
    Date.now(),
  );
};

function recorder(storage: PostgresStorage): Event[] {
  const events: Event[] = [];
  // What a post hands this server's own held reads is wake-handover.test.ts's.
  storage.watch(({ messages: _, before: __, ...event }) => events.push(event));
  return events;
}

describe('PostgreSQL watch across servers', () => {
  const schemas: TestSchema[] = [];
  const opened: PostgresStorage[] = [];
  const proxies: DatabaseProxy[] = [];
  let db: TestSchema;
  const open = async (schema: TestSchema, options?: Parameters<TestSchema['open']>[0]) => {
    const storage = await schema.open(options);
    opened.push(storage);
    return storage;
  };
  beforeEach(async () => {
    db = await createTestSchema();
    schemas.push(db);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all(schemas.splice(0).map((s) => s.drop()));
  });

  it('wakes a watcher on server B when a message is posted through server A, once each', async () => {
    const a = await open(db);
    const b = await open(db);
    const seenByA = recorder(a);
    const seenByB = recorder(b);
    await post(a, 'jobs', [2, 1, 2]);
    await waitUntil(() => seenByB.length > 0, 'B hears of the post through A');
    expect(seenByB).toEqual([{ application: APP, queue: 'jobs', partitions: [1, 2] }]);
    // A heard its own post at once; notifications arrive in commit order, so
    // once A hears of B's later post, a duplicate of its own would be in too.
    expect(seenByA).toHaveLength(1);
    await post(b, 'other');
    await waitUntil(() => seenByA.length > 1, 'A hears of the post through B');
    expect(seenByA).toEqual([
      { application: APP, queue: 'jobs', partitions: [1, 2] },
      { application: APP, queue: 'other', partitions: [1] },
    ]);
  });

  it('tells B of every queue and partition of a burst of concurrent posts through A', async () => {
    const a = await open(db);
    const b = await open(db);
    const seenByB = recorder(b);
    for (const queue of ['q1', 'q2', 'q3']) await post(a, queue, [3]);
    await waitUntil(() => seenByB.length >= 3, 'B hears of the set-up posts');
    seenByB.length = 0;
    // Many posts at once: notifications that pile up go out together, by queue.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        a.insertMessages(
          APP,
          `q${1 + (i % 3)}`,
          [{ body: 'x', partition: 1 + (i % 3), ttl: 60 }],
          Date.now(),
        ),
      ),
    );
    const heard = () => {
      const by = new Map<string, Set<number>>();
      for (const e of seenByB) {
        const set = by.get(e.queue) ?? new Set<number>();
        for (const p of e.partitions) set.add(p);
        by.set(e.queue, set);
      }
      return by;
    };
    await waitUntil(
      () => [...heard().values()].reduce((n, set) => n + set.size, 0) >= 3,
      'B hears of every queue and partition',
    );
    expect(Object.fromEntries([...heard()].map(([q, set]) => [q, [...set].sort()]))).toEqual({
      q1: [1],
      q2: [2],
      q3: [3],
    });
    // Coalesced or not, never more than one event per post.
    expect(seenByB.length).toBeLessThanOrEqual(30);
    for (const e of seenByB) expect(e.application).toBe(APP);
  });

  it('keeps servers on different schemas apart', async () => {
    const elsewhere = await createTestSchema();
    schemas.push(elsewhere);
    const a = await open(db);
    const c = await open(elsewhere);
    const d = await open(elsewhere);
    const seenByC = recorder(c);
    await post(a, 'jobs');
    await post(d, 'mine');
    await waitUntil(() => seenByC.length > 0, 'C hears of the post in its own schema');
    expect(seenByC).toEqual([{ application: APP, queue: 'mine', partitions: [1] }]);
  });

  it('listens again after its connection was killed', async () => {
    const errors: unknown[] = [];
    const a = await open(db);
    const b = await open(db, { onError: (error) => errors.push(error) });
    const seenByB = recorder(b);
    const killed = await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`,
      [`LISTEN "queuey_${db.schema}"`],
    );
    expect(killed).toHaveLength(2);
    await waitUntil(async () => {
      await post(a, 'jobs');
      return seenByB.length > 0;
    }, 'B listens again');
    expect(seenByB[0]).toEqual({ application: APP, queue: 'jobs', partitions: [1] });
    expect(errors.length).toBeGreaterThan(0);
  });

  it('reports the database gone (unhealthy, QUEUEY_SERVER_STORAGE_UNAVAILABLE) and recovers when it is back', async () => {
    const proxy = await startDatabaseProxy(db.url);
    proxies.push(proxy);
    const direct = await open(db);
    const behind = await db.open({ url: proxy.url, pool: { connectionTimeout: 1000 } });
    opened.push(behind);
    const seen = recorder(behind);
    expect(await behind.healthy()).toBe(true);
    await post(direct, 'jobs');

    await proxy.cut();
    expect(await behind.healthy()).toBe(false);
    const failure = await behind
      .insertMessages(APP, 'jobs', [{ body: 'x', partition: 1, ttl: 60 }], Date.now())
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'StorageError',
      code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
    });
    expect(String((failure as Error).message)).toMatch(/cannot store messages: PostgreSQL/);
    await expect(
      behind.readMessages(APP, 'jobs', { partition: 1, limit: 1, order: 'ascending', now: 0 }),
    ).rejects.toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE' });

    await proxy.restore();
    await waitUntil(() => behind.healthy(), 'the storage is healthy again');
    await expect(post(behind, 'jobs')).resolves.toHaveLength(1);
    await waitUntil(async () => {
      await post(direct, 'wake');
      return seen.some((e) => e.queue === 'wake');
    }, 'the listener behind the proxy hears other servers again');
  });

  it('fails to open against an unreachable database quickly, without printing the password', async () => {
    const proxy = await startDatabaseProxy(db.url);
    await proxy.close();
    const url = new URL(proxy.url);
    url.username = 'queuey';
    url.password = 'sekrit-pw';
    const started = Date.now();
    const error = await db
      .open({ url: url.href, pool: { connectionTimeout: 1000 } })
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({
      name: 'StorageError',
      code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
    });
    expect((error as Error).message).toMatch(/unreachable/);
    expect((error as Error).message).not.toContain('sekrit-pw');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers healthy() false after close, and refuses work with QUEUEY_SERVER_STORAGE_CLOSED', async () => {
    const storage = await db.open();
    await storage.close();
    expect(await storage.healthy()).toBe(false);
    await expect(post(storage, 'jobs')).rejects.toMatchObject({
      code: 'QUEUEY_SERVER_STORAGE_CLOSED',
    });
  });
});
