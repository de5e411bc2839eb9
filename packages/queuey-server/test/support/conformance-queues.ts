/** Queues (QUEUEY_API.md): create, list, update, delete, and their validation. */
import { describe, expect, it } from 'vitest';
import type { HttpFixture } from './http-fixture.js';

const names = (reply: { json: { queues: { queue_name: string }[] } }) =>
  reply.json.queues.map((queue) => queue.queue_name);

export function queueTests(fixture: () => HttpFixture): void {
  describe('create a queue', () => {
    it('answers 201 with the defaults and a new uuid4 hex name when given no fields', async () => {
      const reply = await fixture().request('POST', '/v1/queuey');
      expect(reply.status).toBe(201);
      expect(reply.json).toEqual({
        status: 'ok',
        queue_name: expect.stringMatching(/^[0-9a-f]{32}$/),
        partitions: 1,
        type: 'user',
        consistency: 'strong',
        principles: null,
      });
      expect(reply.json.queue_name[12]).toBe('4');
    });

    it('takes form-encoded fields and reports principles when given', async () => {
      const reply = await fixture().request('POST', '/v1/queuey', {
        form: {
          queue_name: 'made-by-form',
          partitions: 3,
          type: 'public',
          consistency: 'very_strong',
          principles: 'app:queuey, bid:someone@example.org',
        },
      });
      expect(reply.status).toBe(201);
      expect(reply.json).toEqual({
        status: 'ok',
        queue_name: 'made-by-form',
        partitions: 3,
        type: 'public',
        consistency: 'very_strong',
        principles: 'app:queuey, bid:someone@example.org', // as given, like the original
      });
    });

    it('answers principles null when none are given, in the create answer and the listing', async () => {
      const f = fixture();
      const reply = await f.request('POST', '/v1/queuey', {
        form: { queue_name: 'no-principles' },
      });
      expect(reply.json.principles).toBeNull();
      const list = await f.request('GET', '/v1/queuey', {
        query: { details: 'true', offset: 'no-principles', limit: 1 },
      });
      expect(list.json.queues[0].principles).toBeNull();
    });

    it('accepts a JSON body too (extension)', async () => {
      const reply = await fixture().request('POST', '/v1/queuey', {
        json: { queue_name: 'made-by-json', partitions: 2, principles: ['app:other'] },
      });
      expect(reply.status).toBe(201);
      expect(reply.json).toMatchObject({
        queue_name: 'made-by-json',
        partitions: 2,
        principles: 'app:other',
      });
    });

    it('updates the metadata when the name exists', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const again = await f.request('POST', '/v1/queuey', {
        form: { queue_name: queue, partitions: 5 },
      });
      expect(again.status).toBe(201);
      const list = await f.request('GET', '/v1/queuey', { query: { details: 'true' } });
      const entries = list.json.queues.filter(
        (q: { queue_name: string }) => q.queue_name === queue,
      );
      expect(entries).toHaveLength(1);
      expect(entries[0].partitions).toBe(5);
    });

    it.each([
      [{ partitions: 'fred' }, 'partitions', '"fred" is not a number'],
      [{ partitions: 0 }, 'partitions', '0 is less than minimum value 1'],
      [{ partitions: 201 }, 'partitions', '201 is greater than maximum value 200'],
      [{ type: 'x' }, 'type', '"x" is not one of user, public'],
      [{ consistency: 'x' }, 'consistency', '"x" is not one of weak, strong, very_strong'],
      [{ queue_name: 'n'.repeat(51) }, 'queue_name', 'Longer than maximum length 50'],
    ])('answers 400 keyed by field for %j', async (form, field, message) => {
      const reply = await fixture().request('POST', '/v1/queuey', { form });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ status: 'error', error_msg: { [field]: message } });
    });

    it.each(['app:queuey,apple:oranges', 'apple:oranges', 'app:', 'bid:nobody'])(
      'answers 400 for the principle list %j',
      async (principles) => {
        const reply = await fixture().request('POST', '/v1/queuey', { form: { principles } });
        expect(reply.status).toBe(400);
        expect(Object.keys(reply.json.error_msg)).toEqual(['principles']);
      },
    );
  });

  describe('list queues', () => {
    it('lists names sorted, offset inclusive, limit capping the list', async () => {
      const f = fixture();
      for (const name of ['b-queue', 'a-queue', 'c-queue', 'd-queue']) {
        await f.request('POST', '/v1/queuey', { form: { queue_name: name } });
      }
      const all = await f.request('GET', '/v1/queuey');
      expect(all.status).toBe(200);
      expect(all.json.status).toBe('ok');
      expect(names(all)).toEqual(['a-queue', 'b-queue', 'c-queue', 'd-queue']);
      expect(all.json.queues[0]).toEqual({ queue_name: 'a-queue' });
      const page = await f.request('GET', '/v1/queuey/', {
        query: { offset: 'b-queue', limit: 2 },
      });
      expect(names(page)).toEqual(['b-queue', 'c-queue']);
    });

    it('adds details, and with include_count the live messages of all partitions', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2, principles: 'app:queuey' });
      await f.post(queue, 'one', { 'x-partition': '1' });
      await f.post(queue, 'two', { 'x-partition': '2' });
      await f.post(queue, 'short', { 'x-partition': '2', 'x-ttl': '5' });
      f.clock.advance(6000);
      const reply = await f.request('GET', '/v1/queuey', {
        query: { details: 'true', include_count: 'true', offset: queue, limit: 1 },
      });
      expect(reply.json.queues).toEqual([
        {
          queue_name: queue,
          partitions: 2,
          created: expect.any(Number),
          type: 'user',
          consistency: 'strong',
          application: 'queuey',
          principles: 'app:queuey',
          count: 2,
        },
      ]);
      const details = await f.request('GET', '/v1/queuey', {
        query: { details: 'true', offset: queue, limit: 1 },
      });
      expect(details.json.queues[0].count).toBeUndefined();
      expect(details.json.queues[0].created).toBe(Math.floor((f.clock.now() - 6000) / 1000));
    });

    it('answers 400 for a limit that is not a number', async () => {
      const reply = await fixture().request('GET', '/v1/queuey', { query: { limit: 'fred' } });
      expect(reply.status).toBe(400);
      expect(reply.json.error_msg).toEqual({ limit: '"fred" is not a number' });
    });
  });

  describe('update a queue', () => {
    it('grows partitions, overwrites principles and answers the full record', async () => {
      const f = fixture();
      const queue = await f.createQueue({ principles: 'app:queuey' });
      const grown = await f.request('PUT', `/v1/queuey/${queue}`, { form: { partitions: 2 } });
      expect(grown.status).toBe(200);
      expect(grown.json).toEqual({
        status: 'ok',
        queue_name: queue,
        partitions: 2,
        created: expect.any(Number),
        principles: ['app:queuey'],
        type: 'user',
        consistency: 'strong',
      });
      const principles = await f.request('PUT', `/v1/queuey/${queue}`, {
        form: { principles: 'app:queuey,app:notifications', type: 'public' },
      });
      expect(principles.json.principles).toEqual(['app:queuey', 'app:notifications']);
      expect(principles.json.type).toBe('public');
      expect(principles.json.partitions).toBe(2);
    });

    it('answers 400 when partitions would shrink', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const reply = await f.request('PUT', `/v1/queuey/${queue}`, { form: { partitions: 1 } });
      expect(reply.status).toBe(400);
      expect(reply.json.status).toBe('error');
    });

    it('answers 400 for bad fields and 404 for a queue that does not exist', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      const bad = await f.request('PUT', `/v1/queuey/${queue}`, { form: { partitions: 'fred' } });
      expect(bad.json.error_msg).toEqual({ partitions: '"fred" is not a number' });
      expect(
        (await f.request('PUT', '/v1/queuey/nosuch', { form: { partitions: 2 } })).status,
      ).toBe(404);
    });
  });

  describe('delete a queue', () => {
    it('deletes the queue with all partitions and messages', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      await f.post(queue, 'gone', { 'x-partition': '3' });
      const reply = await f.request('DELETE', `/v1/queuey/${queue}`);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ status: 'ok' });
      const after = await f.read(queue);
      expect(after.status).toBe(404);
      expect(after.json.status).toBe('error');
      await f.request('POST', '/v1/queuey', { form: { queue_name: queue, partitions: 3 } });
      expect((await f.read(queue, { partitions: '1,2,3' })).json.messages).toEqual([]);
    });
  });

  describe('queue names', () => {
    it('answers 404 for a name over 50 characters and for a queue that does not exist', async () => {
      const f = fixture();
      const queue = await f.createQueue();
      for (const path of [`/v1/queuey/${'blip'.repeat(30)}`, `/v1/queuey/${queue}blip`]) {
        for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
          const reply = await f.request(method, path, { body: method === 'GET' ? undefined : 'x' });
          expect(reply.status, `${method} ${path}`).toBe(404);
          expect(reply.json.status).toBe('error');
        }
      }
    });
  });
}
