import { openSqliteStorage, startServer } from '@qdo/queuey-server';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyConnectionError, QueueyHTTPError } from '../src/index.js';
import { fakeClock, renderings, startProxy, type TestProxy } from './helpers.js';
import { KEY, startQueuey, stopAll, tempDb, uniqueName } from './queuey.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopAll();
});

type Queuey = Awaited<ReturnType<typeof startQueuey>>;

/** Each server gets a marker queue of its own, so a listing shows who answered. */
async function markedServer(marker: string, db = tempDb()) {
  const server = await startQueuey({ db });
  const direct = new QueueyClient({ connection: server.root, appKey: KEY });
  await direct.createQueue({ queueName: marker });
  await direct.createQueue({ queueName: 'work' });
  return { server, db, direct, marker };
}

async function answeredBy(client: QueueyClient, markers: string[]): Promise<string> {
  const names = (await client.listQueues()).map((q) => q.queue_name);
  const found = markers.filter((m) => names.includes(m));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

async function countWork(direct: QueueyClient): Promise<number> {
  let count = 0;
  for await (const _ of direct.iterateMessages('work', { pageSize: 50 })) count++;
  return count;
}

describe('failover between two real servers', () => {
  it('keeps working when the server in use stops mid-run, and returns after cool-down and restart', async () => {
    const a = await markedServer(uniqueName('marker-a'));
    const b = await markedServer(uniqueName('marker-b'));
    const clock = fakeClock();
    const client = new QueueyClient({
      connection: [a.server.root, b.server.root],
      appKey: KEY,
      cooldown: 30_000,
      retryDelay: () => 1,
      clock,
    });
    const markers = [a.marker, b.marker];
    const first = (await answeredBy(client, markers)) === a.marker ? a : b;
    const second = first === a ? b : a;
    expect(client.server).toBe(first.server.root);

    for (let i = 0; i < 10; i++) await client.postMessage('work', `before-${i}`, { partition: 1 });
    const { port } = first.server;
    await first.server.close();
    // A refused POST cannot have been received: it moves on, nothing lost or doubled.
    for (let i = 0; i < 10; i++) await client.postMessage('work', `after-${i}`, { partition: 1 });
    expect(await answeredBy(client, markers)).toBe(second.marker);
    expect(await countWork(second.direct)).toBe(10);

    // Restarted on the same port and file, but still cooling down: not asked yet.
    const restarted = await startQueuey({ port, db: first.db });
    expect(await answeredBy(client, markers)).toBe(second.marker);
    clock.advance(30_000);
    expect(await answeredBy(client, markers)).toBe(first.marker);
    const again = new QueueyClient({ connection: restarted.root, appKey: KEY });
    expect(await countWork(again)).toBe(10);
  });

  it('fails with every server named when all are down', async () => {
    const a = await startQueuey();
    const b = await startQueuey();
    const client = new QueueyClient({
      connection: `${a.root},${b.root}`,
      appKey: KEY,
      retries: 1,
      retryDelay: () => 1,
    });
    await client.connect();
    await a.close();
    await b.close();
    const error = await client.listQueues().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect((error as Error).message).toContain(`127.0.0.1:${a.port}`);
    expect((error as Error).message).toContain(`127.0.0.1:${b.port}`);
    for (const text of renderings(error)) expect(text).not.toContain(KEY);
  });
});

describe('a server that restarts', () => {
  it('is reached again by a request retrying while it is down, with its data intact', async () => {
    const db = tempDb();
    let server: Queuey = await startQueuey({ db });
    const clock = fakeClock();
    const client = new QueueyClient({
      connection: server.root,
      appKey: KEY,
      retries: 3,
      retryDelay: (round) => round * 250,
      clock,
    });
    const name = uniqueName();
    await client.createQueue({ queueName: name });
    const posted = await client.postMessage(name, 'kept');
    const { port } = server;
    await server.close();

    // The restart happens during the client's first back-off sleep.
    clock.onSleep = async () => {
      clock.onSleep = undefined;
      server = await startQueuey({ port, db });
    };
    const read = await client.messages(name);
    expect(read.map((m) => [m.message_id, m.body])).toEqual([[posted.key, 'kept']]);
    expect(clock.sleeps).toEqual([250]);
  });

  it('fails with QueueyConnectionError while down, then answers once back', async () => {
    const db = tempDb();
    const server = await startQueuey({ db });
    const client = new QueueyClient({ connection: server.root, appKey: KEY, retries: 0 });
    const name = uniqueName();
    await client.createQueue({ queueName: name });
    await server.close();
    await expect(client.connect()).rejects.toBeInstanceOf(QueueyConnectionError);
    await startQueuey({ port: server.port, db });
    await client.connect();
    expect((await client.listQueues()).map((q) => q.queue_name)).toContain(name);
  });
});

/** A client over [sick, healthy] whose preferred (first) server is the sick one. */
function preferring(sick: string, healthy: string, clock: ReturnType<typeof fakeClock>) {
  // Local servers are shuffled once per client; take one that asks `sick` first.
  for (let i = 0; i < 64; i++) {
    const client = new QueueyClient({
      connection: [sick, healthy],
      appKey: KEY,
      cooldown: 30_000,
      retryDelay: () => 1,
      clock,
    });
    if (client.server === sick) return client;
  }
  throw new Error('no client preferred the sick server');
}

describe('a sick server among healthy ones', () => {
  it('answering 503 (behind a proxy) is left at once for every method and cooled down', async () => {
    const a = await markedServer(uniqueName('marker-a'));
    const b = await markedServer(uniqueName('marker-b'));
    const proxy: TestProxy = await startProxy(a.server.url);
    cleanups.push(() => proxy.close());
    const sickRoot = `${proxy.url}/v1/queuey/`;
    const clock = fakeClock();
    const client = preferring(sickRoot, b.server.root, clock);
    expect(await answeredBy(client, [a.marker, b.marker])).toBe(a.marker);

    proxy.mode = 'unavailable';
    const seenBefore = proxy.requests.length;
    let failed = 0;
    for (let i = 0; i < 100; i++) {
      const step = [
        () => client.postMessage('work', `m-${i}`, { partition: 1 }),
        () => client.messages('work', { limit: 1 }),
        () => client.listQueues(),
        () => client.getMessages('work', []),
      ][i % 4] as () => Promise<unknown>;
      await step().catch(() => failed++);
    }
    expect(failed).toBe(0);
    // Asked once, then cooling: the other 99 went straight to the healthy server.
    expect(proxy.requests.length - seenBefore).toBe(1);
    expect(await countWork(b.direct)).toBe(25);
    expect(await countWork(a.direct)).toBe(0);

    // Cooled down and healthy again: asked first again.
    proxy.mode = 'forward';
    clock.advance(30_000);
    expect(await answeredBy(client, [a.marker, b.marker])).toBe(a.marker);
  });

  it('whose storage is down (500, heartbeat 503) is left by reads; a POST is not resent but the server cools down', async () => {
    const dir = tempDb();
    const storage = await openSqliteStorage({ path: dir });
    const logged: unknown[] = [];
    const sick = await startServer({
      port: 0,
      storage,
      applications: { queuey: [KEY] },
      onError: (error) => logged.push(error),
    });
    cleanups.push(() => sick.close());
    const sickRoot = `${sick.url}/v1/queuey/`;
    await new QueueyClient({ connection: sickRoot, appKey: KEY }).createQueue({
      queueName: 'work',
    });
    const b = await markedServer(uniqueName('marker-b'));
    const clock = fakeClock();
    const client = preferring(sickRoot, b.server.root, clock);
    await storage.close();

    // Idempotent requests fail over on 500.
    await expect(client.connect()).resolves.toBeUndefined();
    expect(client.server).toBe(b.server.root);
    clock.advance(30_000);
    expect(client.server).toBe(sickRoot);
    expect(await client.messages('work')).toEqual([]);
    expect(client.server).toBe(b.server.root);

    // A POST that got 500 may have been stored: it fails, naming the status, and is not
    // sent elsewhere; the next POST goes to the healthy server.
    clock.advance(30_000);
    const error = await client.postMessage('work', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyHTTPError);
    expect(error).toMatchObject({ status: 500 });
    expect(await countWork(b.direct)).toBe(0);
    await client.postMessage('work', 'y');
    expect(await countWork(b.direct)).toBe(1);
    expect(logged.length).toBeGreaterThan(0);
  });

  it('throws the last HTTP error when every server answers 503', async () => {
    const a = await startQueuey();
    const proxy = await startProxy(a.url);
    cleanups.push(() => proxy.close());
    proxy.mode = 'unavailable';
    const clock = fakeClock();
    const client = new QueueyClient({
      connection: `${proxy.url}/v1/queuey/`,
      appKey: KEY,
      retries: 2,
      retryDelay: () => 5,
      clock,
    });
    const error = await client.listQueues().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyHTTPError);
    expect(error).toMatchObject({ status: 503 });
    expect(proxy.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([5, 5]);
  });
});
