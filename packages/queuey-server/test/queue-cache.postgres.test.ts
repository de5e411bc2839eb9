/**
 * Posts take their queue from a per-server cache (http/queue-cache.ts); two
 * servers on one PostgreSQL database: what one does to a queue, the other's
 * next request answers from the database, never from a stale copy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import type { PostgresStorage } from '../src/storage/postgres.js';
import { KEY, type Reply, send } from './support/http-fixture.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';

let schema: TestSchema;
const storages: PostgresStorage[] = [];
let a: RunningServer;
let b: RunningServer;

beforeEach(async () => {
  schema = await createTestSchema();
  const serve = async () => {
    const storage = await schema.open();
    storages.push(storage);
    return startServer({ port: 0, storage, applications: { queuey: KEY } });
  };
  a = await serve();
  b = await serve();
});

afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
  await Promise.all(storages.splice(0).map((storage) => storage.close()));
  await schema.drop();
});

const make = (server: RunningServer, partitions: number) =>
  send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'q', partitions } });
const post = (server: RunningServer, partition: number): Promise<Reply> =>
  send(server.url, 'POST', '/v1/queuey/q', {
    body: `to ${partition}`,
    headers: { 'x-partition': String(partition) },
  });
const read = (server: RunningServer, partition: number) =>
  send(server.url, 'GET', '/v1/queuey/q', { query: { partitions: partition } });

describe('the queue cache across two servers', { timeout: 30_000 }, () => {
  it('answers 404 on B to a post and a read once A deleted the queue B posted to', async () => {
    expect((await make(a, 2)).status).toBe(201);
    expect((await post(b, 2)).status).toBe(201); // B now holds the queue in its cache
    expect((await send(a.url, 'DELETE', '/v1/queuey/q')).status).toBe(200);
    const posted = await post(b, 1);
    expect(posted.status).toBe(404);
    expect(posted.json).toEqual({
      status: 'error',
      error_msg: { InvalidQueueName: 'Queue of that name was not found.' },
    });
    expect((await read(b, 1)).status).toBe(404);
  });

  it('posts to the queue as it is now after A made it again with fewer partitions, or gave it more', async () => {
    expect((await make(a, 3)).status).toBe(201);
    expect((await post(b, 3)).status).toBe(201);
    expect((await send(a.url, 'DELETE', '/v1/queuey/q')).status).toBe(200);
    expect((await make(a, 1)).status).toBe(201);
    // Partition 3 is gone with the old queue: refused, and nothing stored.
    const refused = await post(b, 3);
    expect(refused.status).toBe(400);
    expect((await read(a, 3)).json.messages).toEqual([]);
    expect((await post(b, 1)).status).toBe(201);
    expect((await read(a, 1)).json.messages.map((m: { body: string }) => m.body)).toEqual(['to 1']);
    // More partitions on A: B posts to the new one at once.
    const grown = await send(a.url, 'PUT', '/v1/queuey/q', { form: { partitions: 4 } });
    expect(grown.status).toBe(200);
    expect((await post(b, 4)).status).toBe(201);
    expect((await read(a, 4)).json.messages.map((m: { body: string }) => m.body)).toEqual(['to 4']);
  });
});
