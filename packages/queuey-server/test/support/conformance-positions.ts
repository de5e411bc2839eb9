/** The `positions` extension (QUEUEY_API.md "Multi-partition fetch"). */
import { describe, expect, it } from 'vitest';
import { type HttpFixture, type OpenStorage, useHttpFixture } from './http-fixture.js';

type Msg = { message_id: string; body: string; partition: number; timestamp: string };
const bodies = (reply: { json: { messages: Msg[] } }) => reply.json.messages.map((m) => m.body);

/** Posts `items` as one batch; returns their ids in order. */
async function batch(f: HttpFixture, queue: string, items: [number, string][]): Promise<string[]> {
  const reply = await f.request('POST', `/v1/queuey/${queue}`, {
    json: { messages: items.map(([partition, body]) => ({ partition, body })) },
  });
  if (reply.status !== 201) throw new Error(`post failed: ${reply.text}`);
  return reply.json.messages.map((m: { key: string }) => m.key);
}

export function positionTests(open: OpenStorage): void {
  describe('positions (multi-partition fetch)', () => {
    const fixture = useHttpFixture(open);

    it('answers per partition in the order given, strictly after each id, ascending, limit per partition', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const ids = await batch(f, queue, [
        [1, 'a1'],
        [1, 'a2'],
        [2, 'b1'],
        [1, 'a3'],
        [2, 'b2'],
        [2, 'b3'],
        [1, 'a4'],
      ]);
      const [, a2, b1] = ids;
      const all = await f.read(queue, { positions: `2:${b1},1:${a2},3` });
      expect(all.status).toBe(200);
      expect(bodies(all)).toEqual(['b2', 'b3', 'a3', 'a4']);
      expect(all.json.messages[0]).toMatchObject({ partition: 2, message_id: ids[4] });
      expect(all.json.messages[0].timestamp).toMatch(/^\d+\.\d{7}$/);
      const one = await f.read(queue, { positions: `2:${b1},1:${a2}`, limit: 1 });
      expect(bodies(one)).toEqual(['b2', 'a3']);
      // No id: from the start; an upper-case id is the same id.
      const start = await f.read(queue, { positions: `1,2:${(b1 as string).toUpperCase()}` });
      expect(bodies(start)).toEqual(['a1', 'a2', 'a3', 'a4', 'b2', 'b3']);
    });

    it('keeps the whole answer to the byte budget (max_bytes), names the partitions it cut, and never answers empty while messages wait', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const big = 'x'.repeat(400);
      const [a1] = await batch(f, queue, [
        [1, `a1${big}`],
        [1, `a2${big}`],
        [1, `a3${big}`],
        [2, `b1${big}`],
        [2, `b2${big}`],
      ]);
      const cut = await f.read(queue, { positions: '1,2', max_bytes: 900 });
      expect(bodies(cut).map((b) => b.slice(0, 2))).toEqual(['a1', 'a2']);
      expect(cut.headers.get('x-queuey-partial')).toBe('1,2');
      const fits = await f.read(queue, { positions: '2,1', max_bytes: 900, limit: 2 });
      expect(bodies(fits).map((b) => b.slice(0, 2))).toEqual(['b1', 'b2']);
      expect(fits.headers.get('x-queuey-partial')).toBe('1');
      // The position's own message does not use up the answer's one message.
      const after = await f.read(queue, { positions: `1:${a1},2`, max_bytes: 1 });
      expect(bodies(after).map((b) => b.slice(0, 2))).toEqual(['a2']);
      expect(after.headers.get('x-queuey-partial')).toBe('1,2');
      const whole = await f.read(queue, { positions: `2,1:${a1}` });
      expect(bodies(whole).map((b) => b.slice(0, 2))).toEqual(['b1', 'b2', 'a2', 'a3']);
      expect(whole.headers.get('x-queuey-partial')).toBeNull();
      const tooMany = await f.read(queue, { positions: '1,2', limit: 1000, max_bytes: 0 });
      expect(tooMany.status).toBe(400);
    });

    it('reads after a position whose message was deleted, and answers nothing for partitions the queue lacks', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const [first] = await batch(f, queue, [
        [1, 'x1'],
        [1, 'x2'],
      ]);
      await f.request('DELETE', `/v1/queuey/${queue}/1:${first}`);
      const reply = await f.read(queue, { positions: `1:${first},7` });
      expect(bodies(reply)).toEqual(['x2']);
    });

    it('with wait, holds while every partition is empty and then hands over exactly the messages after each position', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 3 });
      const [p1, p2] = await batch(f, queue, [
        [1, 'old1'],
        [2, 'old2'],
      ]);
      const held = f.read(queue, { positions: `1:${p1},2:${p2},3`, wait: 20 });
      // One atomic batch into two of the partitions wakes the read.
      const [n1, n3] = await batch(f, queue, [
        [1, 'new1'],
        [3, 'new3'],
      ]);
      const reply = await held;
      expect(reply.status).toBe(200);
      expect(reply.json.messages.map((m: Msg) => [m.partition, m.message_id, m.body])).toEqual([
        [1, n1, 'new1'],
        [3, n3, 'new3'],
      ]);
    });

    it('with wait, answers at once when a partition already has something after its position', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const [p1] = await batch(f, queue, [
        [1, 'seen'],
        [2, 'waiting'],
      ]);
      // With a 30 s wait held, this would outlast the test's timeout.
      const reply = await f.read(queue, { positions: `1:${p1},2`, wait: 30 });
      expect(bodies(reply)).toEqual(['waiting']);
    });

    it.each([
      [{ positions: '' }, 'positions', /Required/],
      [{ positions: 'x' }, 'positions', /"x" is not partition\[:message-id\]/],
      [{ positions: '0' }, 'positions', /"0" is not partition/],
      [{ positions: '1:abc' }, 'positions', /"1:abc" is not partition/],
      [{ positions: '1,2,1' }, 'positions', /partition 1 is given more than once/],
      [{ positions: '1', since: '1.5' }, 'since', /not allowed with positions/],
      [{ positions: '1', partitions: '1' }, 'partitions', /not allowed with positions/],
      [{ positions: '1', order: 'descending' }, 'order', /always ascending/],
      [{ positions: '1', limit: '0' }, 'limit', /0 is less than minimum value 1/],
      [{ positions: '1', wait: '31' }, 'wait', /31 is greater than maximum value 30/],
    ])('rejects %o with 400 naming %s', async (query, key, message) => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const reply = await f.read(queue, query);
      expect(reply.status).toBe(400);
      expect(reply.json.status).toBe('error');
      expect(reply.json.error_msg[key]).toMatch(message);
    });

    it('needs the view permission, like a plain read', async () => {
      const f = fixture();
      const queue = await f.createQueue({ partitions: 2 });
      const reply = await f.request('GET', `/v1/queuey/${queue}`, {
        key: null,
        query: { positions: '1' },
      });
      expect(reply.status).toBe(403);
    });
  });

  describe('positions switched off', () => {
    const fixture = useHttpFixture(open, { disableExtensions: ['positions'] });

    it('is not advertised, and the parameter is ignored as the original server would', async () => {
      const f = fixture();
      const beat = await f.request('GET', '/__heartbeat__', { key: null });
      expect(beat.headers.get('x-queuey-extensions')?.split(', ')).not.toContain('positions');
      const queue = await f.createQueue({ partitions: 2 });
      const [a1] = await batch(f, queue, [
        [1, 'a1'],
        [1, 'a2'],
        [2, 'b1'],
      ]);
      // A plain read: partition 1 from its start.
      const reply = await f.read(queue, { positions: `2:${a1}` });
      expect(reply.status).toBe(200);
      expect(bodies(reply)).toEqual(['a1', 'a2']);
    });
  });
}
