/** Posting and reading messages (QUEUEY_API.md "Messages"). */

import { formatTimestamp, uuidTime } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import type { HttpFixture } from './http-fixture.js';

type Msg = { message_id: string; body: string; partition: number; timestamp: string };
const bodies = (reply: { json: { messages: Msg[] } }) => reply.json.messages.map((m) => m.body);

export function messageTests(fixture: () => HttpFixture): void {
  describe('post one message', () => {
    it('answers 201 with key, exact timestamp string and partition; records the content type', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const reply = await f.post(queue, 'Hello there!', {
        'x-partition': '2',
        'content-type': 'application/text',
      });
      expect(reply.status).toBe(201);
      const [posted] = reply.json.messages;
      expect(reply.json.status).toBe('ok');
      expect(posted.key).toMatch(/^[0-9a-f]{32}$/);
      expect(posted.key[12]).toBe('1');
      expect(posted.timestamp).toMatch(/^\d+\.\d{7}$/);
      expect(posted.timestamp).toBe(formatTimestamp(uuidTime(posted.key)));
      expect(posted.partition).toBe(2);
      const read = await f.read(queue, { partitions: 2 });
      expect(read.json.messages).toEqual([
        {
          message_id: posted.key,
          timestamp: posted.timestamp,
          body: 'Hello there!',
          partition: 2,
          content_type: 'application/text',
        },
      ]);
    });

    it('chooses a partition at random when none is given', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const seen = new Set<number>();
      for (let i = 0; i < 40; i++)
        seen.add((await f.post(queue, `m${i}`)).json.messages[0].partition);
      expect([...seen].every((p) => p >= 1 && p <= 3)).toBe(true);
      expect(seen.size).toBeGreaterThan(1);
    });

    it.each([
      [{}, '', { body: 'Required' }],
      [{ 'x-ttl': '0' }, 'x', { ttl: '0 is less than minimum value 1' }],
      [
        { 'x-ttl': String(2 ** 25 + 1) },
        'x',
        { ttl: `${2 ** 25 + 1} is greater than maximum value ${2 ** 25}` },
      ],
      [{ 'x-ttl': 'soon' }, 'x', { ttl: '"soon" is not a number' }],
      [{ 'x-partition': 'fred' }, 'x', { partition: '"fred" is not a number' }],
      [{ 'x-partition': '4' }, 'x', { partition: '4 is greater than maximum value 1' }],
      [{ 'x-partition': '0' }, 'x', { partition: '0 is less than minimum value 1' }],
      [
        { 'x-partition': '4', 'x-ttl': '0' },
        '',
        {
          body: 'Required',
          ttl: '0 is less than minimum value 1',
          partition: '4 is greater than maximum value 1',
        },
      ],
    ])('answers 400 for headers %j and body %j', async (headers, body, errorMsg) => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.post(queue, body, headers);
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ status: 'error', error_msg: errorMsg });
      expect((await f.read(queue)).json.messages).toEqual([]);
    });

    it('accepts the highest TTL, 2^25 seconds', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      expect((await f.post(queue, 'long', { 'x-ttl': String(2 ** 25) })).status).toBe(201);
    });
  });

  describe('post a JSON batch', () => {
    it('stores every item in its partition and answers in request order', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const reply = await f.request('POST', `/v1/queuey/${queue}`, {
        json: {
          messages: [
            { body: 'Hello msg 1', partition: 2 },
            { body: 'Hello msg 2', partition: 2 },
            { body: 'Hello msg 3', partition: 1, ttl: 3600 },
            { body: 'anywhere' },
          ],
        },
      });
      expect(reply.status).toBe(201);
      expect(
        reply.json.messages.slice(0, 3).map((m: { partition: number }) => m.partition),
      ).toEqual([2, 2, 1]);
      const all = await f.read(queue, { partitions: '1,2,3' });
      expect(all.json.messages).toHaveLength(4);
      const two = await f.read(queue, { partitions: '2' });
      expect(bodies(two).slice(0, 2)).toEqual(['Hello msg 1', 'Hello msg 2']);
      expect(two.json.messages[0].message_id).toBe(reply.json.messages[0].key);
    });

    it("records an item's content_type (extension), and refuses one that is not a string", async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const posted = await f.request('POST', `/v1/queuey/${queue}`, {
        json: { messages: [{ body: '{"n":1}', content_type: 'application/json' }, { body: 'x' }] },
      });
      expect(posted.status).toBe(201);
      const read = await f.read(queue);
      expect(read.json.messages.map((m: { content_type?: string }) => m.content_type)).toEqual([
        'application/json',
        undefined,
      ]);
      const bad = await f.request('POST', `/v1/queuey/${queue}`, {
        json: { messages: [{ body: 'y', content_type: ['a'] }] },
      });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.json.error_msg)).toEqual(['0.content_type']);
      expect((await f.read(queue)).json.messages).toHaveLength(2);
    });

    it('rejects the whole batch when one item is bad, keyed <index>.<field>, storing nothing', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.request('POST', `/v1/queuey/${queue}`, {
        json: {
          messages: [{ body: 'Hello msg 1' }, { body: 'Hello msg 2', partition: 4 }, { ttl: 'x' }],
        },
      });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({
        status: 'error',
        error_msg: {
          '1.partition': '4 is greater than maximum value 1',
          '2.body': 'Required',
          '2.ttl': '"x" is not a number',
        },
      });
      expect((await f.read(queue)).json.messages).toEqual([]);
    });

    it.each(['[this isnt good}', '{"messages": "x"}', '{}', '[]', 'null', '{"messages": [1]}'])(
      'answers 400 for the malformed batch %s',
      async (body) => {
        const f = fixture();
        const queue = await f.createQueue();
        const reply = await f.request('POST', `/v1/queuey/${queue}`, {
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect(reply.status).toBe(400);
        expect(reply.json.status).toBe('error');
      },
    );
  });

  describe('read messages', () => {
    it('reads partition 1 by default, oldest first', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      await f.post(queue, 'first', { 'x-partition': '1' });
      await f.post(queue, 'elsewhere', { 'x-partition': '2' });
      await f.post(queue, 'second', { 'x-partition': '1' });
      const reply = await f.read(queue);
      expect(reply.status).toBe(200);
      expect(reply.json.status).toBe('ok');
      expect(bodies(reply)).toEqual(['first', 'second']);
    });

    it('answers partitions in the order given, each in the requested order, limit per partition', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      for (const [body, partition] of [
        ['a1', 1],
        ['b1', 2],
        ['a2', 1],
        ['b2', 2],
        ['a3', 1],
      ] as const) {
        await f.post(queue, body, { 'x-partition': String(partition) });
      }
      const both = await f.read(queue, { partitions: '2,1', limit: 2 });
      expect(bodies(both)).toEqual(['b1', 'b2', 'a1', 'a2']);
      const newest = await f.read(queue, { partitions: '1,2,3', order: 'descending', limit: 1 });
      expect(bodies(newest)).toEqual(['a3', 'b2']);
    });

    it('reads from a since id inclusive of that message, or from epoch seconds', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      await f.post(queue, 'Hello there!');
      f.clock.advance(2000);
      const second = (await f.post(queue, 'Hello there 2!')).json.messages[0];
      f.clock.advance(2000);
      await f.post(queue, 'Hello there! 3');
      const byId = await f.read(queue, { since: second.key });
      expect(bodies(byId)).toEqual(['Hello there 2!', 'Hello there! 3']);
      expect(byId.json.messages[0].partition).toBe(1);
      const byTime = await f.read(queue, { since: second.timestamp });
      expect(bodies(byTime)).toEqual(['Hello there 2!', 'Hello there! 3']);
      const whole = await f.read(queue, { since: String(Math.floor(f.clock.now() / 1000) - 1) });
      expect(bodies(whole)).toEqual(['Hello there! 3']);
      const future = await f.read(queue, { since: '99999999999999999999' });
      expect(future.json.messages).toEqual([]);
    });

    it.each([
      [{ limit: 0 }, { limit: '0 is less than minimum value 1' }],
      [{ limit: 1001 }, { limit: '1001 is greater than maximum value 1000' }],
      [{ limit: 'fred' }, { limit: '"fred" is not a number' }],
      [{ order: 'x' }, { order: '"x" is not one of ascending, descending' }],
      [{ since: 'yesterday' }, { since: expect.any(String) }],
      [{ wait: 31 }, { wait: '31 is greater than maximum value 30' }],
      [{ wait: 'long' }, { wait: '"long" is not a number' }],
    ])('answers 400 keyed by field for %j', async (query, errorMsg) => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.read(queue, query);
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ status: 'error', error_msg: errorMsg });
    });

    it('answers 400 for partitions that are not integers', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.read(queue, { partitions: '1,fred' });
      expect(reply.status).toBe(400);
      expect(Object.keys(reply.json.error_msg)).toEqual(['partitions']);
    });

    it('never returns an expired message', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const short = (await f.post(queue, 'short', { 'x-ttl': '10' })).json.messages[0].key;
      await f.post(queue, 'long', { 'x-ttl': '100' });
      f.clock.advance(10_001);
      expect(bodies(await f.read(queue))).toEqual(['long']);
      expect((await f.request('GET', `/v1/queuey/${queue}/${short}`)).json.messages).toEqual([]);
      f.clock.advance(90_000);
      expect((await f.read(queue)).json.messages).toEqual([]);
    });
  });
}
