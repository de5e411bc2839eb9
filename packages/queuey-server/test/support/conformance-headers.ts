/** The `headers` extension (QUEUEY_API.md "Message headers"). */
import { describe, expect, it } from 'vitest';
import { type HttpFixture, type OpenStorage, useHttpFixture } from './http-fixture.js';

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function postBatch(f: HttpFixture, queue: string, messages: unknown[]) {
  return f.request('POST', `/v1/queuey/${queue}`, { json: { messages } });
}

export function headerTests(open: OpenStorage): void {
  describe('headers (a key/value map per message)', () => {
    const fixture = useHttpFixture(open);

    it('keeps batch item headers and returns them on reads and reads by id, only where posted', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const headers = { traceparent: TRACE, tracestate: 'a=1', 'x_y.z-0': '' };
      const posted = await postBatch(f, queue, [{ body: 'with', headers }, { body: 'without' }]);
      expect(posted.status).toBe(201);
      const read = await f.read(queue);
      expect(read.json.messages.map((m: { headers?: unknown }) => m.headers)).toEqual([
        headers,
        undefined,
      ]);
      expect('headers' in read.json.messages[1]).toBe(false);
      const [first] = posted.json.messages;
      const byId = await f.request('GET', `/v1/queuey/${queue}/${first.key}`);
      expect(byId.json.messages[0].headers).toEqual(headers);
    });

    it('takes X-Queuey-Header-<key> request headers of a single-message post, keys in lower case', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const reply = await f.post(queue, 'one', {
        'X-Queuey-Header-Traceparent': TRACE,
        'x-queuey-header-tenant': 'acme',
      });
      expect(reply.status).toBe(201);
      const read = await f.read(queue);
      expect(read.json.messages[0].headers).toEqual({ traceparent: TRACE, tenant: 'acme' });
    });

    it('drops the headers when a message is overwritten by id (PUT)', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const posted = await postBatch(f, queue, [{ body: 'old', headers: { a: '1' } }]);
      const key = posted.json.messages[0].key;
      const put = await f.request('PUT', `/v1/queuey/${queue}/${key}`, {
        body: 'new',
        headers: { 'content-type': 'text/plain' },
      });
      expect(put.status).toBeLessThan(300);
      const read = await f.read(queue);
      expect(read.json.messages[0].body).toBe('new');
      expect(read.json.messages[0].headers).toBeUndefined();
    });

    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const large = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]),
    );
    it.each([
      ['not an object', 'x', '0.headers'],
      ['too many keys', many, '0.headers'],
      ['an upper-case key', { Trace: 'x' }, '0.headers.Trace'],
      ['a key too long', { ['k'.repeat(65)]: 'x' }, `0.headers.${'k'.repeat(64)}`],
      ['a value not a string', { n: 1 }, '0.headers.n'],
      ['a value too long', { v: 'x'.repeat(1025) }, '0.headers.v'],
      ['more than 4 KiB in all', large, '0.headers'],
    ])(
      'refuses a batch with %s: 400 naming the field, nothing stored',
      async (_, headers, field) => {
        const f = fixture();
        const queue = await f.createQueue();
        const reply = await postBatch(f, queue, [{ body: 'b', headers }]);
        expect(reply.status).toBe(400);
        expect(Object.keys(reply.json.error_msg)).toEqual([field]);
        expect((await f.read(queue)).json.messages).toEqual([]);
      },
    );

    it('refuses a bad X-Queuey-Header- key of a single post', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const bad = await f.post(queue, 'b', { 'x-queuey-header-a!b': 'x' });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.json.error_msg)).toEqual(['headers.a!b']);
      expect((await f.read(queue)).json.messages).toEqual([]);
    });
  });

  describe('headers switched off', () => {
    const fixture = useHttpFixture(open, { disableExtensions: ['headers'] });

    it('ignores headers as the original does: stored and answered without them', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const posted = await postBatch(f, queue, [{ body: 'b', headers: { Bad: 1 } }]);
      expect(posted.status).toBe(201);
      await f.post(queue, 'c', { 'x-queuey-header-a': 'x' });
      const read = await f.read(queue);
      expect(read.json.messages.map((m: { headers?: unknown }) => m.headers)).toEqual([
        undefined,
        undefined,
      ]);
    });
  });
}
