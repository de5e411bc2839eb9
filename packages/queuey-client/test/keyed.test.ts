import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type BodyOf, partitionForKey, QueueyClient, QueueyError } from '../src/index.js';
import { fakeClock, startProxy, startRawServer } from './helpers.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';
import { readmeVectors } from './vectors.js';

let root: string;
let queuey: QueueyClient;

beforeAll(async () => {
  root = (await startQueuey()).root;
  queuey = new QueueyClient({ connection: root, appKey: KEY, timeout: 5000 });
});
afterAll(stopAll);

/** Every message of every partition of `queue`, by partition. */
async function readAll(queue: string, partitions: number) {
  const found = new Map<number, string[]>();
  for (let partition = 1; partition <= partitions; partition++) {
    const bodies: string[] = [];
    for await (const m of queuey.iterateMessages(queue, { partition, pageSize: 1000 }))
      bodies.push(m.body);
    found.set(partition, bodies);
  }
  return found;
}

describe('keyed posts', () => {
  it('puts 1,000 messages over 50 keys each key in one partition, in post order, where the vectors say', async () => {
    const queue = uniqueName('keyed');
    await queuey.createQueue({ queueName: queue, partitions: 8 });
    // The README's vector keys first, so their 8-partition column is checked against a real server.
    const vectors = readmeVectors();
    const keys = [...vectors.map((v) => v.key)];
    for (let i = 0; keys.length < 50; i++) keys.push(`customer-${i}`);
    const messages = Array.from({ length: 1000 }, (_, n) => {
      const key = keys[n % 50] as string;
      return { key, body: `${key}#${Math.floor(n / 50)}` };
    });
    for (let start = 0; start < messages.length; start += 100) {
      const posted = await queuey.postMessages(queue, messages.slice(start, start + 100));
      for (const [i, p] of posted.entries()) {
        expect(p.partition).toBe(partitionForKey(messages[start + i]?.key as string, 8));
      }
    }

    const byPartition = await readAll(queue, 8);
    const homes = new Map<string, Set<number>>();
    const sequences = new Map<string, number[]>();
    let total = 0;
    for (const [partition, bodies] of byPartition) {
      for (const body of bodies) {
        const [key, seq] = [body.slice(0, body.lastIndexOf('#')), Number(body.split('#').pop())];
        homes.set(key, (homes.get(key) ?? new Set()).add(partition));
        sequences.set(key, [...(sequences.get(key) ?? []), seq]);
        total += 1;
      }
    }
    expect(total).toBe(1000);
    expect(homes.size).toBe(50);
    for (const key of keys) {
      expect([...(homes.get(key) ?? [])], key).toEqual([partitionForKey(key, 8)]);
      expect(sequences.get(key), key).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    for (const { key, partitions } of vectors) {
      expect([...(homes.get(key) ?? [])], key).toEqual([partitions[1]]);
    }
    // Fifty keys over eight partitions: every partition holds some.
    expect([...byPartition.values()].every((bodies) => bodies.length > 0)).toBe(true);
  });

  it('places a single keyed postMessage like a batch', async () => {
    const queue = uniqueName('keyed');
    await queuey.createQueue({ queueName: queue, partitions: 8 });
    const posted = await queuey.postMessage(queue, 'one', { key: 'user-2' });
    expect(posted.partition).toBe(1);
    const [read] = await queuey.messages(queue, { partition: 1 });
    expect(read?.body).toBe('one');
  });

  it('refuses a message with both key and partition before any request', async () => {
    const raw = await startRawServer((_req, res) => res.end('{}'));
    try {
      const client = new QueueyClient({ connection: `${raw.url}/v1/queuey/`, retries: 0 });
      const both = client.postMessages('q', [{ body: 'a' }, { body: 'b', key: 'k', partition: 2 }]);
      await expect(both).rejects.toThrow(
        'message 1 has both key and partition: give one (the key chooses the partition)',
      );
      await expect(both).rejects.toMatchObject({ code: 'QUEUEY_CLIENT_INVALID_ARGUMENT' });
      await expect(client.postMessage('q', 'x', { key: 'k', partition: 1 })).rejects.toThrow(
        'the message has both key and partition',
      );
      await expect(
        client.queue<number>('q').post(1, { key: 'k', partition: 1 }),
      ).rejects.toBeInstanceOf(QueueyError);
      expect(raw.requests).toEqual([]);
    } finally {
      await raw.close();
    }
  });

  it('fails a keyed post to a queue that does not exist, naming it', async () => {
    const queue = uniqueName('nosuch');
    await expect(queuey.postMessages(queue, [{ body: 'a', key: 'k' }])).rejects.toMatchObject({
      code: 'QUEUEY_CLIENT_UNKNOWN_QUEUE',
      message: expect.stringContaining(`queue "${queue}" does not exist`),
    });
  });

  it('asks the partition count once per 10 s, and follows the queue when its partitions grow', async () => {
    const server = await startQueuey();
    const proxy = await startProxy(server.url);
    try {
      const clock = fakeClock();
      const client = new QueueyClient({
        connection: `${proxy.url}/v1/queuey/`,
        appKey: KEY,
        clock,
      });
      const queue = uniqueName('grow');
      await client.createQueue({ queueName: queue, partitions: 3 });
      const listings = () => proxy.requests.filter((r) => r.method === 'GET').length;
      for (let i = 0; i < 5; i++) {
        const [posted] = await client.postMessages(queue, [{ body: `${i}`, key: 'user-3' }]);
        expect(posted?.partition).toBe(3);
      }
      expect(listings()).toBe(1);

      await client.updateQueue(queue, { partitions: 8 });
      clock.advance(9_000);
      expect((await client.postMessage(queue, 'still 3', { key: 'user-3' })).partition).toBe(3);
      clock.advance(1_000);
      expect((await client.postMessage(queue, 'now 8', { key: 'user-3' })).partition).toBe(4);
      expect(listings()).toBe(2);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe('typed queue handles', () => {
  it('posts bodies as JSON with content type application/json, keyed or not', async () => {
    const queue = uniqueName('typed');
    await queuey.createQueue({ queueName: queue, partitions: 8 });
    const orders = queuey.queue<{ n: number; tags?: string[] }>(queue);
    expectTypeOf(orders.post).parameter(0).toEqualTypeOf<{ n: number; tags?: string[] }>();
    expectTypeOf<BodyOf<typeof orders>>().toEqualTypeOf<{ n: number; tags?: string[] }>();
    const one = await orders.post({ n: 1 }, { key: 'abc' });
    expect(one.partition).toBe(4);
    await orders.postMany([
      { body: { n: 2, tags: ['ü'] }, key: 'abc' },
      { body: { n: 3 }, partition: 4, ttl: 60 },
    ]);
    const read = await queuey.messages(queue, { partition: 4 });
    expect(read.map((m) => [m.body, m.content_type])).toEqual([
      ['{"n":1}', 'application/json'],
      ['{"n":2,"tags":["ü"]}', 'application/json'],
      ['{"n":3}', 'application/json'],
    ]);
  });

  it('refuses a body JSON cannot hold before any request', async () => {
    const queue = uniqueName('typed');
    const handle = queuey.queue<unknown>(queue);
    await expect(handle.post(undefined)).rejects.toThrow(
      'the body is undefined, which JSON cannot hold',
    );
    await expect(handle.postMany([{ body: 1 }, { body: 2n }])).rejects.toThrow(
      /^body 1 cannot be serialised as JSON: /,
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(handle.post(cycle)).rejects.toMatchObject({
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  });

  it('keeps the server refusing a batch item whose content_type is not a string', async () => {
    const queue = uniqueName('typed');
    await queuey.createQueue({ queueName: queue });
    const bad = queuey.post(queue, { json: { messages: [{ body: 'x', content_type: 5 }] } });
    await expect(bad).rejects.toMatchObject({
      status: 400,
      errorMsg: { '0.content_type': '"5" is not a string of at most 255 characters' },
    });
  });
});
