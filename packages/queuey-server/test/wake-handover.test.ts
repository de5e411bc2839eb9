/**
 * A post wakes a held read on the same server by handing it the messages
 * just committed: the answer is exactly what a read would give, and it comes
 * without another read; whenever that cannot be known the held read reads.
 * SQLite knows it when no other process wrote to the file; PostgreSQL when
 * each post's partitions stood, before it, at or below the read's position.
 * Both backends, plain reads and `positions` reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidTime } from '@qdo/common';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import type { PostgresStorage } from '../src/storage/postgres.js';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { KEY, type Reply, send } from './support/http-fixture.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';

/** A storage of each backend, and a second one on the same data, as another process (server) would open. */
interface Backend {
  storage: SqliteStorage | PostgresStorage;
  other(): Promise<SqliteStorage | PostgresStorage>;
  close(): Promise<void>;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  sqlite: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'queuey-wake-'));
    const path = join(dir, 'q.db');
    const opened: SqliteStorage[] = [await openSqliteStorage({ path })];
    return {
      storage: opened[0] as SqliteStorage,
      other: async () => {
        opened.push(await openSqliteStorage({ path }));
        return opened.at(-1) as SqliteStorage;
      },
      close: async () => {
        for (const s of opened) await s.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async () => {
    const db: TestSchema = await createTestSchema();
    const opened: PostgresStorage[] = [await db.open()];
    return {
      storage: opened[0] as PostgresStorage,
      other: async () => {
        opened.push(await db.open());
        return opened.at(-1) as PostgresStorage;
      },
      close: async () => {
        for (const s of opened) await s.close();
        await db.drop();
      },
    };
  },
};

let backend: Backend;
let server: RunningServer;
/** Reads of messages the server asked the storage for. */
let reads = 0;

/** The real storage, counting its message reads. */
function counted(storage: Storage): Storage {
  return new Proxy(storage, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      if (name === 'readMessages' || name === 'readPartitions') {
        return (...args: unknown[]) => {
          reads++;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

/** Each test: a fresh storage of the backend, a server over it counting reads, queue `q` of 2 partitions. */
function useServerOn(name: string): void {
  beforeEach(async () => {
    backend = await (BACKENDS[name] as () => Promise<Backend>)();
    reads = 0;
    server = await startServer({
      port: 0,
      storage: counted(backend.storage),
      applications: { queuey: KEY },
    });
    await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'q', partitions: 2 } });
  });

  afterEach(async () => {
    await server.close();
    await backend.close();
  });
}

const post = async (bodies: string[], partition = 1) => {
  const answer = await send(server.url, 'POST', '/v1/queuey/q', {
    json: { messages: bodies.map((body) => ({ body, partition })) },
  });
  expect(answer.status).toBe(201);
  return (answer.json.messages as { key: string }[]).map((m) => m.key);
};

/** A read held from `since`, once it read and waits. */
async function held(query: Record<string, string | number>) {
  const before = reads;
  const answer = send(server.url, 'GET', '/v1/queuey/q', { query: { wait: 10, ...query } });
  await waitFor(() => reads > before, 'the held read to read once');
  return { answer, readsHeld: reads };
}

const ids = (reply: Reply) => reply.json.messages.map((m: { message_id: string }) => m.message_id);

describe.each(Object.keys(BACKENDS))(
  'waking a held read on the same server (%s)',
  { timeout: 30_000 },
  (name) => {
    useServerOn(name);

    /**
     * PostgreSQL hands over to a plain read of one partition only, and by
     * position: a read of several shares one `since`, and one from the start
     * has no position (postgres: it reads, with the same answer).
     */
    const handsOver = (readsHeld: number) => {
      if (name === 'sqlite') expect(reads).toBe(readsHeld);
      else expect(reads).toBeGreaterThan(readsHeld);
    };

    it('hands it exactly the posted messages, in order, without reading again', async () => {
      const [since] = await post(['seen']);
      const query = { since: since as string, partitions: '1,2' };
      const { answer, readsHeld } = await held(query);
      const keys = await post(['a', 'b', 'c']);
      const got = await answer;
      handsOver(readsHeld);
      expect(got.status).toBe(200);
      // `since` is inclusive: the message at it comes first, as in any read from it.
      expect(ids(got)).toEqual([since, ...keys]);
      const read = await send(server.url, 'GET', '/v1/queuey/q', { query });
      expect(got.json).toEqual(read.json);
    });

    it('keeps to the limit of the held read', async () => {
      const [since] = await post(['seen']);
      const { answer, readsHeld } = await held({ since: since as string, limit: 2 });
      const keys = await post(['a', 'b', 'c']);
      expect(ids(await answer)).toEqual([since, keys[0]]);
      expect(reads).toBe(readsHeld);
    });

    it('hands messages to a held read of an empty partition', async () => {
      const { answer, readsHeld } = await held({ partitions: 2 });
      const keys = await post(['a', 'b'], 2);
      expect(ids(await answer)).toEqual(keys);
      handsOver(readsHeld);
    });

    it('reads when the posted messages fill its byte budget, and answers as a read does', async () => {
      const [since] = await post(['seen']);
      const query = { since: since as string, max_bytes: 10 };
      const { answer, readsHeld } = await held(query);
      await post(['aaaaaa', 'bbbbbb', 'cccccc']);
      const got = await answer;
      expect(reads).toBeGreaterThan(readsHeld);
      const read = await send(server.url, 'GET', '/v1/queuey/q', { query });
      expect(got.json).toEqual(read.json);
      expect(got.headers.get('x-queuey-partial')).toBe(read.headers.get('x-queuey-partial'));
    });

    it('reads in full when another process wrote after its since: those messages come first', async () => {
      const [since] = await post(['seen']);
      const { answer, readsHeld } = await held({ since: since as string });
      // Another connection, as another process (server) would be: SQLite tells
      // this server nothing of its write, PostgreSQL a notification without messages.
      const other = await backend.other();
      const [written] = await other.insertMessages(
        'queuey',
        'q',
        [{ body: 'elsewhere', partition: 1, ttl: 60, contentType: null }],
        Date.now(),
      );
      const keys = await post(['here']);
      const got = ids(await answer);
      expect(reads).toBeGreaterThan(readsHeld);
      // A wake-up by the notification alone (PostgreSQL) may answer before the post here.
      expect([
        [since, written?.id],
        [since, written?.id, ...keys],
      ]).toContainEqual(got);
    });

    it('hands a positions read the posted messages after its position, without reading again', async () => {
      const [seen] = await post(['seen']);
      const query = { positions: `1:${seen},2`, limit: 2 };
      const { answer, readsHeld } = await held(query);
      const keys = await post(['a', 'b', 'c']);
      const got = await answer;
      expect(reads).toBe(readsHeld);
      expect(ids(got)).toEqual(keys.slice(0, 2));
      const read = await send(server.url, 'GET', '/v1/queuey/q', { query });
      expect(got.json).toEqual(read.json);
    });

    it('answers two posts at once with what a read would give: the first, or both in commit order', async () => {
      const [seen] = await post(['seen']);
      const { answer, readsHeld } = await held({ positions: `1:${seen}` });
      const [first, second] = await Promise.all([post(['a']), post(['b'])]);
      const got = ids(await answer);
      // The ids of both, in commit (id) order; the answer is a prefix of them.
      const both = [first?.[0] as string, second?.[0] as string].sort((x, y) =>
        uuidTime(x) < uuidTime(y) ? -1 : 1,
      );
      expect(both.slice(0, got.length)).toEqual(got);
      expect(got.length).toBeGreaterThan(0);
      // SQLite hears of its posts in commit order and takes them; PostgreSQL's
      // answers to two statements may come in either order, and then it reads.
      if (name === 'sqlite') expect(reads).toBe(readsHeld);
    });

    it('reads a positions read in full when another process wrote after its position', async () => {
      const [seen] = await post(['seen']);
      const { answer, readsHeld } = await held({ positions: `1:${seen}` });
      const other = await backend.other();
      const [written] = await other.insertMessages(
        'queuey',
        'q',
        [{ body: 'elsewhere', partition: 1, ttl: 60 }],
        Date.now(),
      );
      const keys = await post(['here']);
      const got = ids(await answer);
      expect(reads).toBeGreaterThan(readsHeld);
      // The other process's message, committed first, comes first; a wake-up
      // by its notification alone (PostgreSQL) may answer before the post here.
      expect(got[0]).toBe(written?.id);
      expect([[written?.id], [written?.id, ...keys]]).toContainEqual(got);
    });
  },
);

describe('waking a held read on PostgreSQL when another server wrote unannounced', () => {
  useServerOn('postgres');

  it('reads, by the clock the post found, when the other died before its NOTIFY', async () => {
    const [seen] = await post(['seen']);
    const { answer, readsHeld } = await held({ positions: `1:${seen}` });
    // The other server commits and dies before it tells anyone: no
    // notification reaches this one, only the clock moved.
    const other = (await backend.other()) as unknown as { adapter: { announce(): void } };
    other.adapter.announce = () => {};
    const [written] = await (other as unknown as PostgresStorage).insertMessages(
      'queuey',
      'q',
      [{ body: 'unannounced', partition: 1, ttl: 60 }],
      Date.now(),
    );
    const keys = await post(['here']);
    expect(ids(await answer)).toEqual([written?.id, ...keys]);
    expect(reads).toBeGreaterThan(readsHeld);
  });
});
