/** Messages by id, bad input that must never be a 5xx, and the `wait` extension. */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '@qdo/test-utils';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.js';
import type { Storage } from '../../src/storage/types.js';
import { BODY_LIMIT, type HttpFixture, KEY } from './http-fixture.js';

const v1Hex = (time: bigint) => {
  const hex = time.toString(16).padStart(15, '0');
  return `${hex.slice(7)}${hex.slice(3, 7)}1${hex.slice(0, 3)}8000${'a1b2c3d4e5f6'}`;
};

export function idTests(fixture: () => HttpFixture): void {
  async function postThree(f: HttpFixture) {
    const queue = await f.createQueue({ partitions: 2 });
    const reply = await f.request('POST', `/v1/queuey/${queue}`, {
      json: {
        messages: [
          { body: 'Hello msg 1', partition: 1 },
          { body: 'Hello msg 2', partition: 1 },
          { body: 'Hello msg 3', partition: 2 },
        ],
      },
    });
    const ids = reply.json.messages.map(
      (m: { key: string; partition: number }) => `${m.partition}%3A${m.key}`,
    );
    return {
      queue,
      ids: ids as string[],
      keys: reply.json.messages.map((m: { key: string }) => m.key) as string[],
    };
  }

  describe('messages by id', () => {
    it('gets the messages found and omits the rest; the partition defaults to 1', async () => {
      const f = fixture();
      const { queue, ids, keys } = await postThree(f);
      const fake = `3%3A${randomUUID().replaceAll('-', '')}`;
      const none = await f.request('GET', `/v1/queuey/${queue}/${fake}`);
      expect(none.status).toBe(200);
      expect(none.json).toEqual({ status: 'ok', messages: [] });
      const one = await f.request('GET', `/v1/queuey/${queue}/${ids[0]},${fake}`);
      expect(one.json.messages.map((m: { message_id: string }) => m.message_id)).toEqual([keys[0]]);
      const all = await f.request('GET', `/v1/queuey/${queue}/${ids.join(',')}`);
      expect(new Set(all.json.messages.map((m: { body: string }) => m.body))).toEqual(
        new Set(['Hello msg 1', 'Hello msg 2', 'Hello msg 3']),
      );
      const bare = await f.request('GET', `/v1/queuey/${queue}/${keys[1]}`);
      expect(bare.json.messages[0].body).toBe('Hello msg 2');
      const literalColon = await f.request('GET', `/v1/queuey/${queue}/2:${keys[2]}`);
      expect(literalColon.json.messages[0]).toMatchObject({ body: 'Hello msg 3', partition: 2 });
    });

    it('overwrites a message with PUT, keeping its timestamp', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      await f.post(queue, 'Hello there!', { 'x-ttl': '300' });
      const [message] = (await f.read(queue)).json.messages;
      const put = await f.request('PUT', `/v1/queuey/${queue}/1%3A${message.message_id}`, {
        body: 'Good bye!',
        headers: { 'x-ttl': '600' },
      });
      expect(put.status).toBe(200);
      expect(put.json).toEqual({ status: 'ok' });
      const [after] = (await f.read(queue)).json.messages;
      expect(after).toMatchObject({
        body: 'Good bye!',
        timestamp: message.timestamp,
        message_id: message.message_id,
      });
      f.clock.advance(301_000);
      expect((await f.read(queue)).json.messages).toHaveLength(1);
    });

    it('creates messages that do not exist with PUT, in id time order', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 7 });
      const base = BigInt(f.clock.now()) * 10_000n + 0x01b21dd213814000n;
      const [a, b] = [v1Hex(base), v1Hex(base + 1n)];
      const put = await f.request('PUT', `/v1/queuey/${queue}/3%3A${b},3%3A${a}`, { body: 'Yo' });
      expect(put.status).toBe(200);
      const read = await f.read(queue, { partitions: 3 });
      expect(read.json.messages.map((m: { message_id: string }) => m.message_id)).toEqual([a, b]);
      expect(read.json.messages.map((m: { body: string }) => m.body)).toEqual(['Yo', 'Yo']);
    });

    it('answers 400 to PUT without a body or with a bad TTL', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      // A version-1 id of now: a random (version-4) one is mostly far ahead of the clock.
      const id = v1Hex(BigInt(f.clock.now()) * 10_000n + 0x01b21dd213814000n);
      expect(
        (await f.request('PUT', `/v1/queuey/${queue}/${id}`, { body: '' })).json.error_msg,
      ).toEqual({ body: 'Required' });
      const ttl = await f.request('PUT', `/v1/queuey/${queue}/${id}`, {
        body: 'x',
        headers: { 'x-ttl': '0' },
      });
      expect(ttl.json.error_msg).toEqual({ ttl: '0 is less than minimum value 1' });
    });

    it('deletes messages by id', async () => {
      const f = fixture();
      const { queue, ids } = await postThree(f);
      const reply = await f.request('DELETE', `/v1/queuey/${queue}/${ids[0]},${ids[2]}`);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ status: 'ok' });
      const left = await f.read(queue, { partitions: '1,2' });
      expect(left.json.messages.map((m: { body: string }) => m.body)).toEqual(['Hello msg 2']);
    });

    it.each([
      '2%3Aasdfasdfasdfadsfasdf',
      'x'.repeat(33),
      '1%3A',
      `0%3A${'a'.repeat(32)}`,
      `${'a'.repeat(32)},`,
      'a:b:c',
    ])('answers 400 to GET, PUT and DELETE for the id list %s', async (ids) => {
      const f = fixture();
      const queue = await f.createQueue();
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const reply = await f.request(method, `/v1/queuey/${queue}/${ids}`, {
          body: method === 'PUT' ? 'x' : undefined,
        });
        expect(reply.status, method).toBe(400);
        expect(reply.json.status).toBe('error');
      }
    });

    it('treats a trailing slash after a queue as an empty id list, never as the queue', async () => {
      const f = fixture();
      const { queue } = await postThree(f);
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const reply = await f.request(method, `/v1/queuey/${queue}/`, {
          body: method === 'PUT' ? 'x' : undefined,
        });
        expect(reply.status, method).toBe(400);
      }
      expect((await f.read(queue, { partitions: '1,2' })).json.messages).toHaveLength(3);
    });
  });

  describe('bad input', () => {
    it('answers 413 with the error body for a body over the limit', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.post(queue, 'x'.repeat(BODY_LIMIT + 1));
      expect(reply.status).toBe(413);
      expect(reply.json.status).toBe('error');
      expect(reply.json.error_msg.body).toContain(String(BODY_LIMIT));
      expect((await f.post(queue, 'x'.repeat(BODY_LIMIT))).status).toBe(201);
    });

    it('answers 400 for invalid UTF-8 bodies and bad percent-encodings', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const bad = new Uint8Array([0x68, 0xff, 0xfe, 0x69]);
      expect((await f.request('POST', `/v1/queuey/${queue}`, { body: bad })).status).toBe(400);
      expect(
        (
          await f.request('POST', '/v1/queuey', {
            body: 'queue_name=%ZZ',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).toBe(400);
      for (const path of [
        `/v1/queuey/${queue}?since=%ZZ`,
        `/v1/queuey/${queue}?partitions=%C3%28`,
        `/v1/queuey/%FF`,
        `/v1/queuey/${queue}/%E0%A4%A`,
      ]) {
        const reply = await f.request('GET', path);
        expect(reply.status, path).toBe(400);
        expect(reply.json.status).toBe('error');
      }
    });

    it('answers 405 naming the allowed methods for a method a resource lacks (extension)', async () => {
      const f = fixture();
      const reply = await f.request('PATCH', '/v1/queuey');
      expect(reply.status).toBe(405);
      expect(reply.headers.get('allow')).toBe('GET, POST');
      expect(reply.json.status).toBe('error');
    });
  });

  describe('wait (extension)', () => {
    it('holds a read until a message arrives in one of its partitions', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const started = Date.now();
      const held = f.read(queue, { partitions: '2,3', wait: 20 });
      await f.post(queue, 'not for me', { 'x-partition': '1' });
      await f.post(queue, 'wake up', { 'x-partition': '3' });
      const reply = await held;
      expect(reply.json.messages.map((m: { body: string }) => m.body)).toEqual(['wake up']);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('keeps holding while only the since message itself matches', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const first = (await f.post(queue, 'seen')).json.messages[0].key;
      const held = f.read(queue, { since: first, wait: 20 });
      // The held read must still be waiting: a later post is what answers it.
      const race = await Promise.race([held.then(() => 'answered'), delay(300, 'holding')]);
      expect(race).toBe('holding');
      await f.post(queue, 'new');
      const bodies = (await held).json.messages.map((m: { body: string }) => m.body);
      expect(bodies).toEqual(['seen', 'new']);
    });

    it('answers at once when messages are there, and empty once the wait has passed', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const empty = await f.read(queue, { wait: 1 });
      expect(empty.status).toBe(200);
      expect(empty.json).toEqual({ status: 'ok', messages: [] });
      await f.post(queue, 'here');
      expect((await f.read(queue, { wait: 30 })).json.messages).toHaveLength(1);
    });

    it('ends a held read when the server closes', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const { storage, watching } = countWatchers(f.storage);
      const server = await startServer({
        port: 0,
        storage,
        now: f.clock.now,
        applications: { queuey: KEY },
      });
      const held = fetch(`${server.url}/v1/queuey/${queue}?wait=30`, {
        headers: { authorization: `Application ${KEY}` },
      });
      await waitFor(async () => watching() > 0);
      const started = Date.now();
      await server.close();
      const reply = await held;
      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual({ status: 'ok', messages: [] });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(watching()).toBe(0);
    });

    it('stops holding a read when the client goes away', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const { storage, watching } = countWatchers(f.storage);
      const server = await startServer({
        port: 0,
        storage,
        now: f.clock.now,
        applications: { queuey: KEY },
      });
      try {
        const client = new AbortController();
        const held = fetch(`${server.url}/v1/queuey/${queue}?wait=30`, {
          headers: { authorization: `Application ${KEY}` },
          signal: client.signal,
        });
        await waitFor(async () => watching() > 0);
        client.abort();
        await expect(held).rejects.toThrow();
        await waitFor(async () => watching() === 0);
        expect(watching()).toBe(0);
      } finally {
        await server.close();
      }
    });
  });
}

/** The storage, counting live `watch` subscriptions so a test knows when a read is held. */
function countWatchers(real: Storage) {
  let count = 0;
  const storage = new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== 'watch') return typeof value === 'function' ? value.bind(target) : value;
      return (listener: Parameters<Storage['watch']>[0]) => {
        const stop = target.watch(listener);
        count++;
        return () => {
          count--;
          stop();
        };
      };
    },
  });
  return { storage, watching: () => count };
}
