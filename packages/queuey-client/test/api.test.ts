import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyHTTPError } from '../src/index.js';
import { renderings } from './helpers.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';

let root: string;
let queuey: QueueyClient;

beforeAll(async () => {
  root = (await startQueuey()).root;
  queuey = new QueueyClient({ connection: root, appKey: KEY, timeout: 3000 });
});
afterAll(stopAll);

const HEX = /^[0-9a-f]{32}$/;
const TIMESTAMP = /^\d+\.\d{7}$/;

async function queueWith(bodies: string[], partitions = 1) {
  const name = uniqueName();
  await queuey.createQueue({ queueName: name, partitions });
  const posted = await queuey.postMessages(
    name,
    bodies.map((body) => ({ body, partition: 1 })),
  );
  return { name, posted };
}

describe('queues', () => {
  it('connects through the heartbeat', async () => {
    await expect(queuey.connect()).resolves.toBeUndefined();
  });

  it('creates a queue with its settings and reports them', async () => {
    const name = uniqueName();
    const created = await queuey.createQueue({
      queueName: name,
      partitions: 3,
      type: 'public',
      consistency: 'weak',
      principles: ['app:queuey', 'app:other'],
    });
    expect(created).toMatchObject({ status: 'ok', queue_name: name, partitions: 3 });
    expect(created).toMatchObject({ type: 'public', consistency: 'weak' });
    const [info] = (await queuey.listQueues({ details: true, offset: name, limit: 1 })) ?? [];
    expect(info).toMatchObject({ queue_name: name, partitions: 3, type: 'public' });
    expect(info?.principles).toBe('app:queuey,app:other');
    expect(created.principles).toBe('app:queuey,app:other');
  });

  it('gets a generated name when none is given', async () => {
    const created = await queuey.createQueue();
    expect(created.queue_name).toMatch(HEX);
    expect(created.partitions).toBe(1);
  });

  it('lists queues with counts, and pages through all of them exactly once', async () => {
    const prefix = uniqueName('page');
    const names = ['a', 'b', 'c', 'd', 'e'].map((s) => `${prefix}-${s}`);
    for (const queueName of names) await queuey.createQueue({ queueName });
    await queuey.postMessage(names[1] as string, 'one');

    const page = await queuey.listQueues({
      details: true,
      includeCount: true,
      offset: names[0],
      limit: 2,
    });
    expect(page.map((q) => [q.queue_name, q.count])).toEqual([
      [names[0], 0],
      [names[1], 1],
    ]);
    expect(page[0]).toMatchObject({ application: 'queuey', partitions: 1 });

    const seen: string[] = [];
    for await (const queue of queuey.queues({ pageSize: 2 })) seen.push(queue.queue_name);
    expect(seen.filter((n) => n.startsWith(prefix))).toEqual(names);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('grows partitions, and refuses to shrink them with a parsed reason', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name, partitions: 2 });
    const updated = await queuey.updateQueue(name, { partitions: 4, type: 'public' });
    expect(updated).toMatchObject({ queue_name: name, partitions: 4, type: 'public' });
    expect(updated).not.toHaveProperty('status');
    const error = await queuey.updateQueue(name, { partitions: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyHTTPError);
    expect(error).toMatchObject({ status: 400, method: 'PUT' });
    expect(Object.keys((error as QueueyHTTPError).errorMsg ?? {})).not.toEqual([]);
  });

  it('deletes a queue, after which reading it is a 404', async () => {
    const { name } = await queueWith(['x']);
    await queuey.deleteQueue(name);
    await expect(queuey.messages(name)).rejects.toMatchObject({
      status: 404,
      code: 'QUEUEY_CLIENT_HTTP_ERROR',
    });
  });
});

describe('messages', () => {
  it('posts one message with partition, ttl and content type', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name, partitions: 3 });
    const posted = await queuey.postMessage(name, '{"a":1}', {
      partition: 3,
      ttl: 60,
      contentType: 'text/json',
    });
    expect(posted).toMatchObject({ partition: 3 });
    expect(posted.key).toMatch(HEX);
    expect(posted.timestamp).toMatch(TIMESTAMP);
    const [message] = await queuey.messages(name, { partition: 3 });
    expect(message).toMatchObject({
      message_id: posted.key,
      body: '{"a":1}',
      partition: 3,
      timestamp: posted.timestamp,
    });
    expect(message?.content_type).toMatch(/^text\/json/);
  });

  it('posts a batch in order and reads it back without the `since` message', async () => {
    const { name, posted } = await queueWith(['m1', 'm2', 'm3', 'm4']);
    expect(posted).toHaveLength(4);
    const after = await queuey.messages(name, { since: posted[1]?.key });
    expect(after.map((m) => m.body)).toEqual(['m3', 'm4']);
    const newest = await queuey.messages(name, { order: 'descending', limit: 2 });
    expect(newest.map((m) => m.body)).toEqual(['m4', 'm3']);
  });

  it('reads several partitions in the order asked', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name, partitions: 2 });
    await queuey.postMessages(name, [
      { body: 'in-1', partition: 1 },
      { body: 'in-2', partition: 2 },
    ]);
    const read = await queuey.messages(name, { partitions: [2, 1] });
    expect(read.map((m) => [m.partition, m.body])).toEqual([
      [2, 'in-2'],
      [1, 'in-1'],
    ]);
  });

  it('iterates a partition page by page, from the start or after a position', async () => {
    const bodies = ['1', '2', '3', '4', '5', '6', '7'];
    const { name, posted } = await queueWith(bodies);
    const all: string[] = [];
    for await (const m of queuey.iterateMessages(name, { partition: 1, pageSize: 2 })) {
      all.push(m.body);
    }
    expect(all).toEqual(bodies);
    const rest: string[] = [];
    for await (const m of queuey.iterateMessages(name, { since: posted[2]?.key, pageSize: 3 })) {
      rest.push(m.body);
    }
    expect(rest).toEqual(['4', '5', '6', '7']);
  });

  it('iterates past the short pages that the server cuts at its answer byte budget', async () => {
    // 20 messages of 600 KB: the server's 8 MiB answer budget ends a page of
    // 100 after 13 of them, a page that is short but not the last.
    const name = uniqueName();
    await queuey.createQueue({ queueName: name });
    const big = 'x'.repeat(600 * 1024);
    for (let i = 0; i < 20; i++) await queuey.postMessage(name, `${i}:${big}`);
    const first = await queuey.messages(name, { limit: 100 });
    expect(first.length).toBeLessThan(20);
    const seen: string[] = [];
    for await (const m of queuey.iterateMessages(name, { pageSize: 100 }))
      seen.push(m.body.split(':')[0] as string);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('gets, overwrites and deletes messages by id in every id form', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name, partitions: 2 });
    const [a, b] = await queuey.postMessages(name, [
      { body: 'a', partition: 1 },
      { body: 'b', partition: 2 },
    ]);
    if (!a || !b) throw new Error('batch answer incomplete');
    const got = await queuey.getMessages(name, [a.key, `2:${b.key}`]);
    expect(got.map((m) => m.body).sort()).toEqual(['a', 'b']);

    await queuey.putMessages(name, [{ partition: 2, id: b.key }], 'b2', { ttl: 120 });
    const [changed] = await queuey.getMessages(name, [`2:${b.key}`]);
    expect(changed).toMatchObject({ body: 'b2', timestamp: b.timestamp });

    await queuey.deleteMessages(name, [a.key, { partition: 2, id: b.key }]);
    expect(await queuey.getMessages(name, [a.key, `2:${b.key}`])).toEqual([]);
  });

  it('long-polls: a read with `wait` returns as soon as a message arrives', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name });
    const started = Date.now();
    const waiting = queuey.messages(name, { wait: 10 });
    await queuey.postMessage(name, 'arrived', { partition: 1 });
    expect((await waiting).map((m) => m.body)).toEqual(['arrived']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives a long-poll its wait on top of a short timeout', async () => {
    const name = uniqueName();
    await queuey.createQueue({ queueName: name });
    const impatient = new QueueyClient({ connection: root, appKey: KEY, timeout: 300 });
    const started = Date.now();
    expect(await impatient.messages(name, { wait: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('low-level requests', () => {
  it('sends get, post, put and delete relative to the app root', async () => {
    const name = uniqueName();
    const created = await queuey.post<{ queue_name: string }>('', {
      form: { queue_name: name, partitions: 2 },
    });
    expect(created.queue_name).toBe(name);
    const posted = await queuey.post<{ messages: { key: string }[] }>(name, {
      body: 'raw',
      headers: { 'content-type': 'text/plain', 'x-partition': '2' },
    });
    const key = posted.messages[0]?.key;
    const read = await queuey.get<{ messages: { body: string }[] }>(name, { partitions: 2 });
    expect(read.messages.map((m) => m.body)).toEqual(['raw']);
    expect(await queuey.put(`${name}/2%3A${key}`, { body: 'changed' })).toEqual({ status: 'ok' });
    expect(await queuey.delete(name)).toEqual({ status: 'ok' });
  });
});

describe('authentication', () => {
  it('names a rejected key without showing it', async () => {
    const wrong = new QueueyClient({ connection: root, appKey: `${KEY}-wrong` });
    const error = await wrong.listQueues().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'QueueyHTTPError', status: 401 });
    expect((error as QueueyHTTPError).errorMsg).toEqual({
      InvalidApplicationKey: 'Invalid application key',
    });
    for (const text of renderings(error)) expect(text).not.toContain(KEY);
  });

  it('reports access denied without a key', async () => {
    const anonymous = new QueueyClient({ connection: root });
    await expect(anonymous.listQueues()).rejects.toMatchObject({ status: 403 });
  });
});
