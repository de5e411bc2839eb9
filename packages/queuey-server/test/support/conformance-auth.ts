/** Resources and auth (QUEUEY_API.md): heartbeat, keys, 401/403/404, owners, principles, public. */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.js';
import { StorageError } from '../../src/storage/errors.js';
import type { Storage } from '../../src/storage/types.js';
import { type HttpFixture, KEY, makeFixture, OTHER_KEY, SECOND_KEY } from './http-fixture.js';

const INVALID_KEY_BODY = {
  status: 'error',
  error_msg: { InvalidApplicationKey: 'Invalid application key' },
};

export function authTests(fixture: () => HttpFixture): void {
  describe('heartbeat', () => {
    it('answers 200 to GET and HEAD without a key while storage answers', async () => {
      const f = fixture();
      const get = await f.request('GET', '/__heartbeat__', { key: null });
      expect(get.status).toBe(200);
      expect(get.json).toEqual({ status: 'ok' });
      const head = await f.request('HEAD', '/__heartbeat__', { key: null });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
    });

    it('answers 503 when storage is down, and requests answer 500 with the storage message', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const down = failingStorage(f.storage);
      const server = await startServer({
        port: 0,
        storage: down,
        now: f.clock.now,
        applications: { queuey: KEY },
        onError: () => {},
      });
      try {
        const broken = makeFixture(server, down, f.clock);
        expect((await broken.request('GET', '/__heartbeat__')).status).toBe(503);
        for (const reply of [
          await broken.read(queue),
          await broken.request('GET', '/v1/queuey'),
          await broken.post(queue, 'x'),
        ]) {
          expect(reply.status).toBe(500);
          expect(reply.json.status).toBe('error');
          expect(reply.json.error_msg.storage).toMatch(/^Back-end storage unavailable\./);
        }
      } finally {
        await server.close();
      }
    });
  });

  describe('application keys', () => {
    it('answers 401 with the exact body for a key that matches no application', async () => {
      const reply = await fixture().request('POST', '/v1/queuey', { key: 'OOPS' });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual(INVALID_KEY_BODY);
    });

    it('answers 401 when one of several ;-joined credentials is unknown', async () => {
      const reply = await fixture().request('GET', '/v1/queuey', {
        key: null,
        headers: { authorization: `Application ${KEY}; Application nope` },
      });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual(INVALID_KEY_BODY);
    });

    it("accepts any of an application's keys, and several credentials joined with ;", async () => {
      const f = fixture();
      expect((await f.request('GET', '/v1/queuey', { key: SECOND_KEY })).status).toBe(200);
      const both = await f.request('GET', '/v1/queuey', {
        key: null,
        headers: { authorization: `Application ${OTHER_KEY} ; Application ${KEY}` },
      });
      expect(both.status).toBe(200);
    });

    it('answers 403 "Access was denied" without a credential where one is needed', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      for (const reply of [
        await f.request('POST', '/v1/queuey', { key: null }),
        await f.request('GET', '/v1/queuey', { key: null }),
        await f.request('GET', `/v1/queuey/${queue}`, { key: null }),
        await f.request('POST', `/v1/queuey/${queue}`, { key: null, body: 'x' }),
      ]) {
        expect(reply.status).toBe(403);
        expect(reply.text).toContain('Access was denied');
        expect(reply.json.status).toBe('error');
      }
    });

    it('answers 404 for an application that is not configured and for unknown paths', async () => {
      const f = fixture();
      for (const path of ['/v1/fredrick', '/v1/fredrick/q', '/blah', '/v1', '/', '/v2/queuey']) {
        const reply = await f.request('GET', path);
        expect(reply.status, path).toBe(404);
        expect(reply.json.status, path).toBe('error');
      }
      expect((await f.request('POST', '/blah', { key: null })).status).toBe(404);
    });
  });

  describe('owners, principles and public queues', () => {
    it("never shows an application another application's queues", async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const list = await f.request('GET', '/v1/other', { key: OTHER_KEY });
      expect(list.status).toBe(200);
      expect(list.json.queues).toEqual([]);
      expect((await f.request('GET', '/v1/queuey', { key: OTHER_KEY })).status).toBe(403);
      expect((await f.request('GET', `/v1/other/${queue}`, { key: OTHER_KEY })).status).toBe(404);
      expect((await f.request('GET', `/v1/queuey/${queue}`, { key: OTHER_KEY })).status).toBe(403);
    });

    it('lets exactly the listed principles view and delete messages; the owner still posts and manages', async () => {
      const f = fixture();
      const queue = await f.createQueue({ principles: 'app:other' });
      const posted = await f.post(queue, 'hello');
      expect(posted.status).toBe(201);
      const id = posted.json.messages[0].key as string;
      expect((await f.read(queue)).status).toBe(403);
      expect((await f.request('GET', `/v1/queuey/${queue}/${id}`)).status).toBe(403);
      const asOther = await f.request('GET', `/v1/queuey/${queue}`, { key: OTHER_KEY });
      expect(asOther.status).toBe(200);
      expect(asOther.json.messages.map((m: { body: string }) => m.body)).toEqual(['hello']);
      expect(
        (await f.request('POST', `/v1/queuey/${queue}`, { key: OTHER_KEY, body: 'x' })).status,
      ).toBe(403);
      expect((await f.request('DELETE', `/v1/queuey/${queue}`, { key: OTHER_KEY })).status).toBe(
        403,
      );
      expect((await f.request('DELETE', `/v1/queuey/${queue}/${id}`)).status).toBe(403);
      expect(
        (await f.request('DELETE', `/v1/queuey/${queue}/${id}`, { key: OTHER_KEY })).status,
      ).toBe(200);
      expect(
        (await f.request('PUT', `/v1/queuey/${queue}`, { form: { partitions: 2 } })).status,
      ).toBe(200);
      expect((await f.request('DELETE', `/v1/queuey/${queue}`)).status).toBe(200);
    });

    it('lets anyone view a public queue without a key, but not post to it', async () => {
      const f = fixture();
      const queue = await f.createQueue({ type: 'public' });
      await f.post(queue, 'for everyone');
      const reply = await f.request('GET', `/v1/queuey/${queue}`, { key: null });
      expect(reply.status).toBe(200);
      expect(reply.json.status).toBe('ok');
      expect(reply.json.messages[0].body).toBe('for everyone');
      expect(
        (await f.request('POST', `/v1/queuey/${queue}`, { key: null, body: 'x' })).status,
      ).toBe(403);
    });
  });
}

/**
 * The real storage with every call failing as a storage fails when its
 * database refuses the request (a StorageError, not transient: 500).
 */
function failingStorage(storage: Storage): Storage {
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'healthy') return async () => false;
      if (property === 'watch' || property === 'watchSpace') return () => () => {};
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return async () => {
        throw new StorageError(
          'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
          `cannot ${String(property)}: the database refused the request: connection refused`,
        );
      };
    },
  });
}
