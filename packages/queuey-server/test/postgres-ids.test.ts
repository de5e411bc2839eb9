/**
 * The id guarantee across servers: many writers (separate pools, and separate
 * processes) post into one partition at once while readers page through it
 * with `since`; every reader must see every message exactly once, in order.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import type { PostgresStorage } from '../src/storage/postgres.js';
import type { Storage, StoredMessage } from '../src/storage/types.js';
import { KEY, send } from './support/http-fixture.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';
import { runWriter } from './support/postgres-tsx.js';

const APP = 'app';

function before(a: StoredMessage, b: StoredMessage): boolean {
  return a.time < b.time || (a.time === b.time && a.id < b.id);
}

/**
 * Pages through partition 1 with `since` until a page read after the writers
 * finished comes back empty (or time runs out).
 */
async function pageAll(
  storage: Storage,
  queue: string,
  writing: () => boolean,
  deadline: number,
  partition = 1,
): Promise<StoredMessage[]> {
  const seen: StoredMessage[] = [];
  let last: StoredMessage | undefined;
  while (Date.now() < deadline) {
    const finished = !writing();
    const page = await storage.readMessages(APP, queue, {
      partition,
      limit: 50,
      order: 'ascending',
      now: Date.now(),
      ...(last ? { since: { time: last.time, id: last.id } } : {}),
    });
    // `since` is inclusive: the first row is the one we already have.
    const fresh = last && page[0]?.id === last.id ? page.slice(1) : page;
    seen.push(...fresh);
    last = seen.at(-1) ?? last;
    if (fresh.length > 0) continue;
    if (finished) break;
    // Poll, leaving the CPU to the writers.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return seen;
}

function expectEachOnceInOrder(seen: StoredMessage[], written: Set<string>): void {
  expect(seen.length).toBe(written.size);
  expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
  for (const m of seen) expect(written.has(m.id)).toBe(true);
  for (let i = 1; i < seen.length; i++) {
    expect(before(seen[i - 1] as StoredMessage, seen[i] as StoredMessage)).toBe(true);
  }
}

describe('PostgreSQL ids across servers', () => {
  let db: TestSchema;
  const opened: PostgresStorage[] = [];
  beforeEach(async () => {
    db = await createTestSchema();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await db?.drop();
  });

  it('gives readers paging with since every message of concurrent writers on several pools exactly once, in order', async () => {
    // Four "servers" whose clocks disagree by up to two minutes.
    const skews = [0, -60_000, 60_000, -1];
    const servers = await Promise.all(skews.map(() => db.open({ pool: { max: 4 } })));
    opened.push(...servers);
    const queue = 'shared';
    await servers[0]?.putQueue({
      application: APP,
      name: queue,
      partitions: 1,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    const written = new Set<string>();
    const perInserter = 30;
    let expected = 0;
    const inserters = servers.flatMap((server, s) =>
      [0, 1, 2].map(async (k) => {
        for (let i = 0; i < perInserter; i++) {
          const batch = Array.from({ length: 1 + ((i + k) % 3) }, (_, j) => ({
            body: `${s}.${k}.${i}.${j}`,
            partition: 1,
            ttl: 3600,
          }));
          expected += batch.length;
          const stored = await server.insertMessages(
            APP,
            queue,
            batch,
            Date.now() + (skews[s] ?? 0),
          );
          for (const m of stored) written.add(m.id);
        }
      }),
    );
    let writing = true;
    const done = Promise.all(inserters).finally(() => {
      writing = false;
    });
    const deadline = Date.now() + 60_000;
    const readers = servers
      .slice(0, 2)
      .map((server) => pageAll(server, queue, () => writing, deadline));
    await done;
    const results = await Promise.all(readers);
    expect(written.size).toBe(expected);
    for (const seen of results) expectEachOnceInOrder(seen, written);
  }, 90_000);

  it('keeps every partition in order when batches span partitions, written through two servers', async () => {
    const servers = await Promise.all([0, 1].map(() => db.open({ pool: { max: 4 } })));
    opened.push(...servers);
    const queue = 'spread';
    await servers[0]?.putQueue({
      application: APP,
      name: queue,
      partitions: 3,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    const written = new Map<number, Set<string>>([1, 2, 3].map((p) => [p, new Set<string>()]));
    const inserters = servers.flatMap((server, s) =>
      [0, 1, 2].map(async (k) => {
        for (let i = 0; i < 25; i++) {
          // Batches of 2..6 over the partitions, some two in one partition.
          const batch = Array.from({ length: 2 + ((i + k) % 5) }, (_, j) => ({
            body: `${s}.${k}.${i}.${j}`,
            partition: 1 + ((i + j + s) % 3),
            ttl: 3600,
          }));
          const stored = await server.insertMessages(APP, queue, batch, Date.now() + s * 30_000);
          expect(stored.map((m) => m.partition)).toEqual(batch.map((m) => m.partition));
          for (const m of stored) written.get(m.partition)?.add(m.id);
        }
      }),
    );
    let writing = true;
    const done = Promise.all(inserters).finally(() => {
      writing = false;
    });
    const deadline = Date.now() + 60_000;
    const readers = [1, 3].map((partition, r) =>
      pageAll(servers[r] as Storage, queue, () => writing, deadline, partition),
    );
    await done;
    const [first, third] = await Promise.all(readers);
    expectEachOnceInOrder(first ?? [], written.get(1) ?? new Set());
    expectEachOnceInOrder(third ?? [], written.get(3) ?? new Set());
  }, 90_000);

  it('keeps that order with writers in separate processes', async () => {
    const queue = 'processes';
    const reader = await db.open();
    opened.push(reader);
    await reader.putQueue({
      application: APP,
      name: queue,
      partitions: 1,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    const writer = fileURLToPath(new URL('./support/postgres-writer.ts', import.meta.url));
    const perProcess = 100;
    const skews = [0, -30_000, 30_000];
    const exits = skews.map((skew) =>
      runWriter(writer, [db.url, db.schema, APP, queue, String(perProcess), String(skew)]),
    );
    let writing = true;
    const done = Promise.all(exits).finally(() => {
      writing = false;
    });
    const total = perProcess * skews.length;
    const deadline = Date.now() + 60_000;
    const readers = [0, 1].map(() => pageAll(reader, queue, () => writing, deadline));
    const outputs = await done;
    expect(outputs.map((o) => JSON.parse(o).written)).toEqual(skews.map(() => perProcess));
    const results = await Promise.all(readers);
    const all = await reader.readMessages(APP, queue, {
      partition: 1,
      limit: 1000,
      order: 'ascending',
      now: Date.now(),
    });
    expect(all).toHaveLength(total);
    const written = new Set(all.map((m) => m.id));
    for (const seen of results) expectEachOnceInOrder(seen, written);
  }, 90_000);

  it('gives long-polls following positions on one server every message of both servers once, in order', async () => {
    // Held reads on server A take A's posts without reading when nothing else
    // arrived, and must read when server B wrote in between.
    const storages = await Promise.all([0, 1].map(() => db.open({ pool: { max: 4 } })));
    opened.push(...storages);
    const servers: RunningServer[] = await Promise.all(
      storages.map((storage) => startServer({ port: 0, storage, applications: { queuey: KEY } })),
    );
    try {
      const [a, b] = servers.map((server) => server.url) as [string, string];
      await send(a, 'POST', '/v1/queuey', { form: { queue_name: 'q', partitions: 3 } });
      const written = new Map<number, Set<string>>([1, 2, 3].map((p) => [p, new Set<string>()]));
      const writers = [a, a, a, b, b, b].map(async (url, w) => {
        for (let i = 0; i < 40; i++) {
          const messages = Array.from({ length: 1 + ((i + w) % 4) }, (_, j) => ({
            body: `${w}.${i}.${j}`,
            partition: 1 + ((i + j + w) % 3),
          }));
          const reply = await send(url, 'POST', '/v1/queuey/q', { json: { messages } });
          expect(reply.status).toBe(201);
          for (const m of reply.json.messages as { key: string; partition: number }[]) {
            written.get(m.partition)?.add(m.key);
          }
        }
      });
      let writing = true;
      const done = Promise.all(writers).finally(() => {
        writing = false;
      });
      const follow = async () => {
        const seen = new Map<number, string[]>([1, 2, 3].map((p) => [p, []]));
        for (;;) {
          const finished = !writing;
          const positions = [...seen]
            .map(([p, ids]) => (ids.length > 0 ? `${p}:${ids.at(-1)}` : `${p}`))
            .join(',');
          const reply = await send(a, 'GET', '/v1/queuey/q', {
            query: { positions, wait: finished ? 0 : 2, limit: 10 },
          });
          expect(reply.status).toBe(200);
          const page = reply.json.messages as { message_id: string; partition: number }[];
          for (const m of page) seen.get(m.partition)?.push(m.message_id);
          if (page.length === 0 && finished) return seen;
        }
      };
      const readers = [follow(), follow(), follow()];
      await done;
      for (const seen of await Promise.all(readers)) {
        for (const [partition, ids] of seen) {
          const stored = await storages[0]?.readMessages('queuey', 'q', {
            partition,
            limit: 1000,
            order: 'ascending',
            now: Date.now(),
          });
          expect(ids).toEqual(stored?.map((m) => m.id));
          expect(new Set(ids)).toEqual(written.get(partition));
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  }, 90_000);
});
