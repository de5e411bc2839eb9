/**
 * A post wakes a held read on the same server by handing it the messages
 * just committed (SQLite): the answer is exactly what a read would give,
 * and it comes without another read; whenever that cannot be known the held
 * read reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { KEY, type Reply, send } from './support/http-fixture.js';

let dir: string;
let real: SqliteStorage;
let server: RunningServer;
/** Reads of messages the server asked the storage for. */
let reads = 0;

/** The real storage, counting its message reads. */
function counted(storage: SqliteStorage): Storage {
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

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'queuey-wake-'));
  real = await openSqliteStorage({ path: join(dir, 'q.db') });
  reads = 0;
  server = await startServer({ port: 0, storage: counted(real), applications: { queuey: KEY } });
  await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'q', partitions: 2 } });
});

afterEach(async () => {
  await server.close();
  await real.close();
  await rm(dir, { recursive: true, force: true });
});

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

describe('waking a held read on the same server', { timeout: 30_000 }, () => {
  it('hands it exactly the posted messages, in order, without reading again', async () => {
    const [since] = await post(['seen']);
    const query = { since: since as string, partitions: '1,2' };
    const { answer, readsHeld } = await held(query);
    const keys = await post(['a', 'b', 'c']);
    const got = await answer;
    expect(reads).toBe(readsHeld);
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
    expect(reads).toBe(readsHeld);
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
    // Another connection to the file, as another process would be: no event reaches the server.
    const other = await openSqliteStorage({ path: join(dir, 'q.db') });
    try {
      const [written] = await other.insertMessages(
        'queuey',
        'q',
        [{ body: 'elsewhere', partition: 1, ttl: 60, contentType: null }],
        Date.now(),
      );
      const keys = await post(['here']);
      expect(ids(await answer)).toEqual([since, written?.id, ...keys]);
      expect(reads).toBeGreaterThan(readsHeld);
    } finally {
      await other.close();
    }
  });
});
