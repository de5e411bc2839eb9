import { afterEach, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyConnectionError } from '../src/index.js';
import { fakeClock, renderings } from './helpers.js';
import { KEY, startQueuey, stopAll, tempDb, uniqueName } from './queuey.js';

afterEach(stopAll);

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
