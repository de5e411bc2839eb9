/**
 * Regression tests (bad input never a 5xx, ids never go
 * backwards, bounded answers, a post racing a queue delete), run unchanged
 * over SQLite and PostgreSQL like the storage and conformance suites.
 */

import { timeFromEpochMs } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../src/server.js';
import type { Storage } from '../src/storage/types.js';
import { KEY, makeFixture } from './support/http-fixture.js';
import { APP, bodies, createQueue, hexId, type TestClock } from './support/storage-fixture.js';

/** A storage that can be closed and opened again on the same data (a restart). */
export interface RestartableStorage {
  storage: Storage;
  clock: TestClock;
  /** Closes `storage` and opens a new one (a new id generator) on the same data. */
  restart(): Promise<Storage>;
  cleanup(): Promise<void>;
}

export type OpenRestartable = () => Promise<RestartableStorage>;

const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;

export function hardeningSuite(name: string, open: OpenRestartable): void {
  describe(`hardening: ${name}`, { timeout: 60_000 }, () => {
    async function withServer<T>(
      options: Partial<ServerOptions>,
      use: (f: ReturnType<typeof makeFixture>, opened: RestartableStorage) => Promise<T>,
    ): Promise<T> {
      const opened = await open();
      let server: RunningServer | undefined;
      try {
        server = await startServer({
          port: 0,
          storage: opened.storage,
          now: opened.clock.now,
          applications: { queuey: KEY },
          ...options,
        });
        return await use(makeFixture(server, opened.storage, opened.clock), opened);
      } finally {
        await server?.close();
        await opened.cleanup();
      }
    }

    it('answers 400, not 500, to JSON nested 20,000 levels deep anywhere', async () => {
      await withServer({}, async (f) => {
        const queue = await f.createQueue({ partitions: 2 });
        const items = [
          `{"body":${DEEP}}`,
          `{"body":"x","ttl":${DEEP}}`,
          `{"body":"x","partition":${DEEP}}`,
          DEEP,
        ];
        for (const item of items) {
          const reply = await f.request('POST', `/v1/queuey/${queue}`, {
            body: `{"messages":[${item}]}`,
            headers: { 'content-type': 'application/json' },
          });
          expect(reply.status, item.slice(0, 30)).toBe(400);
          expect(JSON.stringify(reply.json.error_msg)).toMatch(/nested deeper than \d+ levels/);
        }
        for (const field of ['queue_name', 'partitions', 'principles', 'type']) {
          const reply = await f.request('POST', '/v1/queuey', {
            body: `{"${field}":${DEEP}}`,
            headers: { 'content-type': 'application/json' },
          });
          expect(reply.status, field).toBe(400);
        }
        // Nesting within the bound still gets the field's own message.
        const shallow = await f.request('POST', `/v1/queuey/${queue}`, {
          json: { messages: [{ body: [[['x']]] }] },
        });
        expect(shallow.json.error_msg).toEqual({ '0.body': '"[[["x"]]]" is not a string' });
        // Brackets inside strings (escaped quotes too) are text, not nesting.
        const text = `${'['.repeat(10_000)}\\"{{{`;
        const stored = await f.request('POST', `/v1/queuey/${queue}`, {
          json: { messages: [{ body: text, partition: 1 }] },
        });
        expect(stored.status).toBe(201);
        expect((await f.read(queue)).json.messages[0].body).toBe(text);
      });
    });

    it('answers 400 to lone surrogates in JSON bodies and queue names', async () => {
      await withServer({}, async (f) => {
        const queue = await f.createQueue();
        for (const text of ['"\\ud800"', '"a\\udc00b"', '"\\udbff\\u0041"']) {
          const post = await f.request('POST', `/v1/queuey/${queue}`, {
            body: `{"messages":[{"body":${text}}]}`,
            headers: { 'content-type': 'application/json' },
          });
          expect(post.status, text).toBe(400);
          expect(JSON.stringify(post.json.error_msg)).toMatch(/surrogate/);
          const create = await f.request('POST', '/v1/queuey', {
            body: `{"queue_name":${text}}`,
            headers: { 'content-type': 'application/json' },
          });
          expect(create.status, text).toBe(400);
        }
        // A pair is a character like any other.
        const pair = await f.request('POST', `/v1/queuey/${queue}`, {
          body: '{"messages":[{"body":"\\ud83d\\ude00"}]}',
          headers: { 'content-type': 'application/json' },
        });
        expect(pair.status).toBe(201);
        expect((await f.read(queue)).json.messages[0].body).toBe('\u{1f600}');
        const listed = await f.request('GET', '/v1/queuey');
        expect(listed.json.queues).toEqual([{ queue_name: queue }]);
      });
    });

    it('refuses PUT ids beyond the clock skew, and posts after a PUT sort after it', async () => {
      await withServer({}, async (f) => {
        const queue = await f.createQueue({ partitions: 2 });
        const path = (id: string) => `/v1/queuey/${queue}/2%3A${id}`;
        const extreme = await f.request('PUT', path('ffffffffffff1fff8000000000000001'), {
          body: 'x',
        });
        expect(extreme.status).toBe(400);
        expect(extreme.json.error_msg.ids).toMatch(/more than 300 seconds ahead/);
        const tenMinutes = hexId(timeFromEpochMs(f.clock.now() + 600_000), '8000', '0a0b0c0d0e0f');
        expect((await f.request('PUT', path(tenMinutes), { body: 'x' })).status).toBe(400);
        // Within the skew: stored, and the next post sorts after it.
        const ahead = hexId(timeFromEpochMs(f.clock.now() + 120_000), '8000', '0a0b0c0d0e0f');
        expect((await f.request('PUT', path(ahead), { body: 'put' })).status).toBe(200);
        const post = await f.request('POST', `/v1/queuey/${queue}`, {
          body: 'posted',
          headers: { 'x-partition': '2' },
        });
        expect(post.status).toBe(201);
        const read = await f.read(queue, { partitions: 2, since: ahead });
        expect(read.json.messages.map((m: { body: string }) => m.body)).toEqual(['put', 'posted']);
        // Every later post too, as the partition keeps posting.
        const after = await f.request('POST', `/v1/queuey/${queue}`, {
          json: {
            messages: [
              { body: 'a', partition: 2 },
              { body: 'b', partition: 2 },
            ],
          },
        });
        expect(after.status).toBe(201);
        const again = await f.read(queue, { partitions: 2, since: ahead });
        expect(again.json.messages.map((m: { body: string }) => m.body)).toEqual([
          'put',
          'posted',
          'a',
          'b',
        ]);
      });
    });

    it('never hands out an id below a purged one after a restart with the clock 60 s back', async () => {
      const opened = await open();
      try {
        const { clock } = opened;
        await createQueue(opened.storage, 'hwm', { partitions: 2 });
        const first = await opened.storage.insertMessages(
          APP,
          'hwm',
          bodies(3).map((m) => ({ ...m, partition: 2, ttl: 1 })),
          clock.now(),
        );
        const committed = first.at(-1)?.time ?? 0n;
        clock.advance(2_000);
        expect(await opened.storage.purgeExpired(clock.now(), 100)).toBe(3);
        const restarted = await opened.restart();
        clock.advance(-62_000);
        const [next] = await restarted.insertMessages(
          APP,
          'hwm',
          [{ body: 'late', partition: 2, ttl: 60 }],
          clock.now(),
        );
        expect(next?.time).toBeGreaterThan(committed);
        // PUT ids move the mark too, and survive the purge of that message.
        const put = hexId(committed + 50_000_000n, '8000', '0a0b0c0d0e0f');
        await restarted.putMessages(
          APP,
          'hwm',
          [{ partition: 2, id: put }],
          { body: 'put', ttl: 1 },
          clock.now(),
        );
        clock.advance(2_000);
        await restarted.purgeExpired(clock.now(), 100);
        const again = await opened.restart();
        const [last] = await again.insertMessages(
          APP,
          'hwm',
          [{ body: 'later', partition: 2, ttl: 60 }],
          clock.now(),
        );
        expect(last?.time).toBeGreaterThan(committed + 50_000_000n);
      } finally {
        await opened.cleanup();
      }
    });

    it('caps the bytes of one whole answer, never below one message, and names the partitions it cut', async () => {
      await withServer({ maxAnswerBytes: 10_000, maxMessageBytes: 40_000 }, async (f) => {
        const queue = await f.createQueue({ partitions: 2 });
        const kilobyte = 'k'.repeat(1000);
        const messages = Array.from({ length: 30 }, (_, i) => ({
          body: kilobyte,
          partition: 1 + (i % 2),
        }));
        expect(
          (await f.request('POST', `/v1/queuey/${queue}`, { json: { messages } })).status,
        ).toBe(201);
        const one = await f.read(queue, { limit: 100 });
        expect(one.json.messages.length).toBeGreaterThan(1);
        expect(one.json.messages.length).toBeLessThanOrEqual(10);
        expect(one.text.length).toBeLessThan(10_000 + 2_000);
        expect(one.headers.get('x-queuey-partial')).toBe('1');
        // One budget for the whole answer: partition 1 fills it, partition 2 is named unread.
        const both = await f.read(queue, { limit: 100, partitions: '1,2' });
        const partitions = both.json.messages.map((m: { partition: number }) => m.partition);
        expect(new Set(partitions)).toEqual(new Set([1]));
        expect(both.json.messages.length).toBe(10);
        expect(both.headers.get('x-queuey-partial')).toBe('1,2');
        // A partition read to its end is not partial.
        const whole = await f.read(queue, { limit: 3, partitions: '2,1' });
        expect(whole.json.messages).toHaveLength(6);
        expect(whole.headers.get('x-queuey-partial')).toBeNull();
        // A smaller budget asked for by the client; one message even when it alone is bigger.
        const small = await f.read(queue, { limit: 100, max_bytes: 1500 });
        expect(small.json.messages).toHaveLength(1);
        const tiny = await f.read(queue, { limit: 100, max_bytes: 1 });
        expect(tiny.json.messages).toHaveLength(1);
        const tinyBoth = await f.read(queue, { limit: 100, partitions: '2,1', max_bytes: 1 });
        expect(tinyBoth.json.messages.map((m: { partition: number }) => m.partition)).toEqual([2]);
        expect(tinyBoth.headers.get('x-queuey-partial')).toBe('2,1');
        expect((await f.read(queue, { max_bytes: 0 })).status).toBe(400);
        expect((await f.read(queue, { max_bytes: 10_001 })).status).toBe(400);
        const big = 'b'.repeat(30_000);
        expect((await f.post(queue, big, { 'x-partition': '1' })).status).toBe(201);
        const since = (await f.read(queue, { limit: 100, order: 'descending' })).json.messages[0];
        const alone = await f.read(queue, { since: since.message_id, limit: 100 });
        expect(alone.json.messages.map((m: { body: string }) => m.body)).toEqual([big]);
        // The budget stops at the `since` message the reader has: the next one comes alone.
        const last = await f.post(queue, 'after', { 'x-partition': '1' });
        expect(last.status).toBe(201);
        const next = await f.read(queue, { since: since.message_id, limit: 100, max_bytes: 10 });
        expect(next.json.messages.map((m: { body: string }) => m.body)).toEqual(['after']);
      });
    });

    it('answers 413 naming the limit to a message bigger than the message limit', async () => {
      await withServer({ maxMessageBytes: 100, bodyLimit: 10_000 }, async (f) => {
        const queue = await f.createQueue();
        const post = await f.post(queue, 'x'.repeat(101));
        expect(post.status).toBe(413);
        expect(post.json.error_msg.body).toMatch(/limit of 100 bytes/);
        const batch = await f.request('POST', `/v1/queuey/${queue}`, {
          json: { messages: [{ body: 'ok' }, { body: '\u00e9'.repeat(51) }] },
        });
        expect(batch.status).toBe(413);
        expect(batch.json.error_msg['1.body']).toMatch(/limit of 100 bytes/);
        const id = hexId(timeFromEpochMs(f.clock.now()), '8000', '0a0b0c0d0e0f');
        const put = await f.request('PUT', `/v1/queuey/${queue}/${id}`, { body: 'y'.repeat(101) });
        expect(put.status).toBe(413);
        expect((await f.post(queue, 'x'.repeat(100))).status).toBe(201);
        expect((await f.read(queue)).json.messages).toHaveLength(1);
      });
    });

    it('bounds partitions x limit of a read and the limit of the queue listing', async () => {
      await withServer({}, async (f) => {
        const queue = await f.createQueue({ partitions: 200 });
        const all = Array.from({ length: 200 }, (_, i) => i + 1).join(',');
        expect((await f.read(queue, { partitions: all, limit: 100 })).status).toBe(200);
        const tooMany = await f.read(queue, { partitions: all, limit: 1000 });
        expect(tooMany.status).toBe(400);
        expect(tooMany.json.error_msg.limit).toMatch(/partitions x limit/);
        const listing = await f.request('GET', '/v1/queuey', { query: { limit: 1001 } });
        expect(listing.status).toBe(400);
        expect(listing.json.error_msg.limit).toMatch(/greater than maximum value 1000/);
      });
    });

    it('never stores a post that raced a queue delete, so it cannot come back', async () => {
      const opened = await open();
      try {
        const { storage, clock } = opened;
        await createQueue(storage, 'raced');
        await storage.insertMessages(APP, 'raced', bodies(2), clock.now());
        // The HTTP layer looked the queue up, then the delete won the race.
        expect(await storage.deleteQueue(APP, 'raced')).toBe(true);
        await expect(
          storage.insertMessages(APP, 'raced', bodies(1, 'late'), clock.now()),
        ).rejects.toMatchObject({ name: 'StorageError', code: 'QUEUEY_SERVER_QUEUE_NOT_FOUND' });
        const id = hexId(timeFromEpochMs(clock.now()), '8000', '0a0b0c0d0e0f');
        await expect(
          storage.putMessages(APP, 'raced', [{ partition: 1, id }], { body: 'p', ttl: 60 }, 0),
        ).rejects.toMatchObject({ code: 'QUEUEY_SERVER_QUEUE_NOT_FOUND' });
        await createQueue(storage, 'raced');
        expect(await storage.countMessages(APP, 'raced', clock.now())).toBe(0);
      } finally {
        await opened.cleanup();
      }
    });

    it('answers a post racing a queue delete 201 (and deletes it) or 404, over HTTP', async () => {
      await withServer({}, async (f) => {
        for (let round = 0; round < 5; round++) {
          const name = `race${round}`;
          await f.request('POST', '/v1/queuey', { form: { queue_name: name } });
          const posts = Array.from({ length: 20 }, (_, i) =>
            f.post(name, `m${i}`).then((reply) => reply.status),
          );
          const deleted = f.request('DELETE', `/v1/queuey/${name}`);
          const statuses = await Promise.all(posts);
          expect((await deleted).status).toBe(200);
          for (const status of statuses) expect([201, 404]).toContain(status);
          await f.request('POST', '/v1/queuey', { form: { queue_name: name } });
          expect((await f.read(name, { limit: 100 })).json.messages).toEqual([]);
        }
      });
    });
  });
}
