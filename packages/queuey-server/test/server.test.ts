import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import { openSqliteStorage } from '../src/storage/index.js';
import { clockAt, KEY, send } from './support/http-fixture.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'queuey-server-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startServer', { timeout: 30_000 }, () => {
  it('purges expired messages in the background', async () => {
    const clock = clockAt();
    const storage = await openSqliteStorage({ path: join(dir, 'q.db') });
    const server = await startServer({
      port: 0,
      storage,
      now: clock.now,
      applications: { queuey: KEY },
      purgeInterval: 20,
    });
    try {
      await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'short' } });
      const posted = await send(server.url, 'POST', '/v1/queuey/short', {
        body: 'brief',
        headers: { 'x-ttl': '1' },
      });
      const key = { partition: 1, id: posted.json.messages[0].key as string };
      // Read "as of" the epoch: an expired but not yet purged row still shows.
      const stored = () => storage.getMessages('queuey', 'short', [key], 0);
      expect(await stored()).toHaveLength(1);
      clock.advance(2000);
      await waitFor(async () => (await stored()).length === 0);
      expect(await stored()).toEqual([]);
    } finally {
      await server.close();
      await storage.close();
    }
  });

  it('generates an app key by default, answers on its url, closes once and closes the db it opened', async () => {
    const server = await startServer({ port: 0, db: join(dir, 'own', 'q.db') });
    const [key] = server.applications.queuey ?? [];
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await send(server.url, 'GET', '/v1/queuey', { key })).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    expect(await server.storage.healthy()).toBe(false);
    await expect(fetch(`${server.url}/__heartbeat__`)).rejects.toThrow();
  });

  it('reads a chunked body (no declared length) and holds it to the body limit too', async () => {
    const server = await startServer({
      port: 0,
      db: join(dir, 'q.db'),
      applications: { queuey: KEY },
      bodyLimit: 1000,
    });
    const post = (chunks: string[]) =>
      fetch(`${server.url}/v1/queuey/chunked`, {
        method: 'POST',
        headers: { authorization: `Application ${KEY}`, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    try {
      await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'chunked' } });
      const ok = await post(['{"messages": [{"bo', 'dy": "a"}, {"body": "b"}]}']);
      expect(ok.headers.get('content-length')).not.toBeNull(); // the answer's, not the request's
      expect(ok.status).toBe(201);
      expect((await ok.json()).messages).toHaveLength(2);
      const big = await post([
        '{"messages": [',
        `{"body": "${'x'.repeat(600)}"}, `.repeat(2),
        ']}',
      ]);
      expect(big.status).toBe(413);
      await big.arrayBuffer();
    } finally {
      await server.close();
    }
  });

  it('leaves a storage it was given open', async () => {
    const storage = await openSqliteStorage({ path: join(dir, 'given.db') });
    const server = await startServer({ port: 0, storage, applications: { queuey: KEY } });
    await server.close();
    expect(await storage.healthy()).toBe(true);
    await storage.close();
  });

  it('rejects when the port is taken, and closes the db it opened', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startServer({ port, db: join(dir, 'q.db') })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      blocker.close();
    }
  });

  it('refuses application names that cannot be a URL segment and apps without keys', async () => {
    await expect(
      startServer({ port: 0, db: ':memory:', applications: { 'a/b': 'k' } }),
    ).rejects.toMatchObject({
      code: 'QUEUEY_SERVER_CONFIG_INVALID',
    });
    await expect(
      startServer({ port: 0, db: ':memory:', applications: { a: [] } }),
    ).rejects.toMatchObject({
      code: 'QUEUEY_SERVER_CONFIG_INVALID',
    });
  });
});
