/** Extension `if-match`: conditional PUT of one message by its ETag (docs/QUEUEY_API.md). */
import { describe, expect, it } from 'vitest';
import type { HttpFixture } from './http-fixture.js';

const ID = '0a5bbc2e9c7011ef8000a1b2c3d4e5f6';

export function ifMatchTests(fixture: () => HttpFixture): void {
  async function setup(f: HttpFixture) {
    const queue = await f.createQueue({ partitions: 2 });
    const path = `/v1/queuey/${queue}/2%3A${ID}`;
    const put = (body: string, headers: Record<string, string> = {}) =>
      f.request('PUT', path, { body, headers: { 'content-type': 'application/json', ...headers } });
    const get = () => f.request('GET', path);
    return { queue, path, put, get };
  }

  describe('conditional PUT (extension if-match)', () => {
    it('creates only when absent with If-None-Match: *, and answers the ETag a GET repeats', async () => {
      const { put, get } = await setup(fixture());
      const created = await put('{"n":1}', { 'if-none-match': '*' });
      expect(created.status).toBe(200);
      const etag = created.headers.get('etag');
      expect(etag).toMatch(/^"[^"]+"$/);
      expect((await get()).headers.get('etag')).toBe(etag);
      const again = await put('{"n":2}', { 'if-none-match': '*' });
      expect(again.status).toBe(412);
      expect(again.json).toEqual({ status: 'error', error_msg: { id: expect.any(String) } });
      expect((await get()).json.messages[0].body).toBe('{"n":1}');
    });

    it('writes with If-Match only while the ETag is the stored one', async () => {
      const { put, get } = await setup(fixture());
      const first = (await put('{"n":1}')).headers.get('etag') as string;
      expect(first).toMatch(/^"/);
      const second = await put('{"n":2}', { 'if-match': first });
      expect(second.status).toBe(200);
      const next = second.headers.get('etag');
      expect(next).not.toBe(first);
      const stale = await put('{"n":3}', { 'if-match': first });
      expect(stale.status).toBe(412);
      expect((await get()).json.messages[0].body).toBe('{"n":2}');
      expect((await get()).headers.get('etag')).toBe(next);
      expect((await put('{"n":4}', { 'if-match': '*' })).status).toBe(200);
    });

    it('refuses If-Match on a missing message, and bad conditions with 400', async () => {
      const f = fixture();
      const { queue, put, get } = await setup(f);
      expect((await put('x', { 'if-match': '"nope"' })).status).toBe(412);
      expect((await put('x', { 'if-match': '*' })).status).toBe(412);
      expect((await get()).json.messages).toEqual([]);
      expect((await get()).headers.get('etag')).toBeNull();
      expect((await put('x', { 'if-match': 'unquoted' })).status).toBe(400);
      expect((await put('x', { 'if-none-match': '"a"' })).status).toBe(400);
      const two = await f.request('PUT', `/v1/queuey/${queue}/1%3A${ID},2%3A${ID}`, {
        body: 'x',
        headers: { 'if-none-match': '*' },
      });
      expect(two.status).toBe(400);
      const plainTwo = await f.request('PUT', `/v1/queuey/${queue}/1%3A${ID},2%3A${ID}`, {
        body: 'x',
      });
      expect(plainTwo.status).toBe(200);
      expect(plainTwo.headers.get('etag')).toBeNull();
    });

    it('refuses an empty If-Match or If-None-Match with 400 and writes nothing', async () => {
      const { put, get } = await setup(fixture());
      const empty = await put('x', { 'if-match': '' });
      expect(empty.status).toBe(400);
      expect(empty.json.error_msg).toEqual({ 'If-Match': expect.stringMatching(/quoted ETag/) });
      expect((await put('x', { 'if-match': '   ' })).status).toBe(400);
      expect((await put('x', { 'if-none-match': '' })).status).toBe(400);
      expect((await get()).json.messages).toEqual([]);
    });

    it('lets exactly one of many concurrent conditional writers win', async () => {
      const { put } = await setup(fixture());
      const creates = await Promise.all(
        Array.from({ length: 8 }, (_, i) => put(`{"c":${i}}`, { 'if-none-match': '*' })),
      );
      expect(creates.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(412)]);
      const etag = creates.find((r) => r.status === 200)?.headers.get('etag') as string;
      const updates = await Promise.all(
        Array.from({ length: 8 }, (_, i) => put(`{"u":${i}}`, { 'if-match': etag })),
      );
      expect(updates.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(412)]);
    });
  });
}
