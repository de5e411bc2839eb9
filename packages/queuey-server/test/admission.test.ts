import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMISSION_DEFAULTS, admissionLimits, clientOf } from '../src/admission.js';
import type { ServerLogger } from '../src/log.js';
import { type RunningServer, type ServerOptions, startServer } from '../src/server.js';
import { openSqliteStorage } from '../src/storage/index.js';
import type { Storage } from '../src/storage/types.js';
import { poll } from './support/held-poll.js';
import { KEY, OTHER_KEY, send } from './support/http-fixture.js';

const quiet: ServerLogger = { error() {}, warn() {}, info() {}, debug() {} };
const running: { server: RunningServer; storage: Storage }[] = [];
afterEach(async () => {
  for (const { server, storage } of running.splice(0)) {
    await server.close();
    await storage.close();
  }
});

/** A server on its own SQLite storage whose `watch` calls are counted: a held read subscribes. */
async function start(options: Partial<ServerOptions> = {}) {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const counter = { watching: 0 };
  const counted = new Proxy(storage, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'watch') return value.bind(target);
      return (listener: Parameters<Storage['watch']>[0]) => {
        counter.watching++;
        const stop = value.call(target, listener) as () => void;
        return () => {
          counter.watching--;
          stop();
        };
      };
    },
  });
  const server = await startServer({
    port: 0,
    storage: counted,
    applications: { queuey: KEY, other: OTHER_KEY },
    logger: quiet,
    ...options,
  });
  running.push({ server, storage });
  // Over a connection of its own (or the agent's): the connection-limit test counts them.
  const createQueue = async (name: string, type = 'user', agent?: Agent) => {
    const form = { queue_name: name, type };
    const via = agent ? { agent } : {};
    const reply = await poll(server.url, '/v1/queuey', { method: 'POST', key: KEY, form, ...via });
    expect(reply.status).toBe(201);
  };
  return { server, counter, createQueue };
}

describe('queue delete', { timeout: 30_000 }, () => {
  it('answers the long-polls held on the queue 404 at once', async () => {
    const { server, counter, createQueue } = await start();
    await createQueue('doomed', 'public');
    await createQueue('kept');
    const held = [
      poll(server.url, '/v1/queuey/doomed?wait=20', { key: KEY }),
      poll(server.url, '/v1/queuey/doomed?positions=1&wait=20', { key: KEY }),
      poll(server.url, '/v1/queuey/doomed?wait=20'),
    ];
    const other = poll(server.url, '/v1/queuey/kept?wait=20', { key: KEY });
    await waitFor(() => counter.watching >= 4);
    const deleted = performance.now();
    expect((await send(server.url, 'DELETE', '/v1/queuey/doomed')).status).toBe(200);
    for (const reply of await Promise.all(held)) {
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual({
        status: 'error',
        error_msg: { InvalidQueueName: 'Queue of that name was not found.' },
      });
    }
    expect(performance.now() - deleted).toBeLessThan(5_000);
    // A wait on another queue is still held, and answers its message.
    expect(counter.watching).toBe(1);
    expect((await send(server.url, 'POST', '/v1/queuey/kept', { body: 'hi' })).status).toBe(201);
    expect((await other).json.messages).toHaveLength(1);
  });
});

const PUBLIC = '/v1/queuey/open';
const held = (reply: { status: number }) => reply.status === 200;

/** Expects a quick refusal: status, Retry-After, the error scheme naming `wait`. */
function expectRefused(reply: Awaited<ReturnType<typeof poll>>, status: number, retryAfter = 5) {
  expect(reply.status).toBe(status);
  // Spread over 1 to 2 times the setting, and said in the body too.
  const seconds = Number(reply.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(retryAfter);
  expect(seconds).toBeLessThanOrEqual(2 * retryAfter);
  expect(reply.json?.error_msg?.wait).toMatch(new RegExp(`retry after ${seconds} s`));
  expect(reply.json).toMatchObject({ status: 'error', error_msg: { wait: expect.any(String) } });
  // Answered at once, not held for the 20 s it asked.
  expect(reply.ms).toBeLessThan(3_000);
}

describe('held-read budgets', { timeout: 30_000 }, () => {
  it('refuses an anonymous client past its share with 429 while other clients and key holders are held', async () => {
    const { server, counter, createQueue } = await start({ maxAnonymousWaitsPerClient: 2 });
    await createQueue('open', 'public');
    const mine = [1, 2].map(() => poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.2' }));
    await waitFor(() => counter.watching >= 2);
    expectRefused(await poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.2' }), 429);
    // Another address and a key holder are still held; a message answers all of them.
    const others = [
      poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.3' }),
      poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.2', key: KEY }),
    ];
    await waitFor(() => counter.watching >= 4);
    expect((await send(server.url, 'POST', PUBLIC, { body: 'news' })).status).toBe(201);
    const replies = await Promise.all([...mine, ...others]);
    expect(replies.map((reply) => reply.json.messages?.length)).toEqual([1, 1, 1, 1]);
    // The share is free again once the reads are answered.
    const again = await poll(server.url, `${PUBLIC}?wait=0`, { from: '127.0.0.2' });
    expect(again.status).toBe(200);
  });

  it('refuses anonymous reads past the anonymous total with 503, and key holders still get held', async () => {
    const { server, counter, createQueue } = await start({
      maxAnonymousWaits: 3,
      maxAnonymousWaitsPerClient: 2,
    });
    await createQueue('open', 'public');
    const holding = ['127.0.0.2', '127.0.0.2', '127.0.0.3'].map((from) =>
      poll(server.url, `${PUBLIC}?wait=20`, { from }),
    );
    await waitFor(() => counter.watching >= 3);
    expectRefused(await poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.4' }), 503);
    const keyed = poll(server.url, `${PUBLIC}?wait=20`, { key: OTHER_KEY });
    await waitFor(() => counter.watching >= 4);
    // A read that finds a message needs no holding: answered, never refused.
    expect((await send(server.url, 'POST', PUBLIC, { body: 'news' })).status).toBe(201);
    const found = await poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.4' });
    expect(found.json.messages).toHaveLength(1);
    expect((await Promise.all([...holding, keyed])).every(held)).toBe(true);
  });

  it('refuses an application past its share with 429 and everybody past the total with 503', async () => {
    const { server, counter, createQueue } = await start({
      maxHeldWaits: 3,
      maxHeldWaitsPerKey: 2,
      waitRetryAfter: 3,
    });
    await createQueue('open', 'public');
    const mine = [1, 2].map(() => poll(server.url, `${PUBLIC}?wait=20`, { key: KEY }));
    await waitFor(() => counter.watching >= 2);
    expectRefused(await poll(server.url, `${PUBLIC}?wait=20`, { key: KEY }), 429, 3);
    const theirs = poll(server.url, `${PUBLIC}?positions=1&wait=20`, { key: OTHER_KEY });
    await waitFor(() => counter.watching >= 3);
    expectRefused(await poll(server.url, `${PUBLIC}?wait=20`, { key: OTHER_KEY }), 503, 3);
    expectRefused(await poll(server.url, `${PUBLIC}?wait=20`), 503, 3);
    // Requests that hold nothing carry on.
    expect((await send(server.url, 'GET', '/__heartbeat__', { key: null })).status).toBe(200);
    expect((await send(server.url, 'POST', PUBLIC, { body: 'news' })).status).toBe(201);
    expect((await Promise.all([...mine, theirs])).every(held)).toBe(true);
  });

  it('at the connection limit answers an anonymous held read 503 before touching a key holder', async () => {
    const { server, counter, createQueue } = await start({
      maxConnections: 10,
      maxHeldWaits: 8,
      maxAnonymousWaits: 6,
      maxAnonymousWaitsPerClient: 6,
    });
    // Two idle keep-alive connections of a key holder, then 8 held reads, fill the limit.
    const agents = [1, 2].map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    const [agent, second] = agents as [Agent, Agent];
    try {
      await createQueue('open', 'public', agent);
      expect((await poll(server.url, '/v1/queuey', { key: KEY, agent: second })).status).toBe(200);
      const keyed = [1, 2].map(() => poll(server.url, `${PUBLIC}?wait=20`, { key: KEY }));
      await waitFor(() => counter.watching >= 2);
      const anonymous = [];
      for (let i = 0; i < 6; i++) {
        anonymous.push(poll(server.url, `${PUBLIC}?wait=20`, { from: '127.0.0.2' }));
        await waitFor(() => counter.watching >= 3 + i);
      }
      // One more connection: the oldest anonymous held read makes room.
      const newcomer = await halfOpen(server.port);
      const first = await anonymous[0];
      expectRefused(first as Awaited<ReturnType<typeof poll>>, 503);
      expect(first?.headers.connection).toBe('close');
      expect(counter.watching).toBe(7);
      newcomer.destroy();
      // The key holder's connections and held reads are all still there.
      const reused = await poll(server.url, '/v1/queuey', { key: KEY, agent });
      expect(reused.status).toBe(200);
      const posted = await poll(server.url, PUBLIC, {
        method: 'POST',
        key: KEY,
        body: 'news',
        agent,
      });
      expect(posted.status).toBe(201);
      const rest = await Promise.all([...keyed, ...anonymous.slice(1)]);
      expect(rest.map((reply) => reply.json.messages?.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    } finally {
      for (const each of agents) each.destroy();
    }
  });
});

/** A loopback socket that sends half a request and then nothing. */
function halfOpen(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /__heartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      resolve(socket);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('held-read settings', () => {
  const fail = (message: string) => new Error(message);

  it('scales the defaults down to a smaller connection limit and keeps a reserve', () => {
    expect(admissionLimits({}, 768, fail)).toEqual(ADMISSION_DEFAULTS);
    expect(admissionLimits({}, 20, fail)).toEqual({
      maxHeldWaits: 12,
      maxHeldWaitsPerKey: 6,
      maxAnonymousWaits: 3,
      maxAnonymousWaitsPerClient: 3,
      waitRetryAfter: 5,
    });
  });

  it('refuses values that are not positive integers or exceed the limit above them, naming the option', async () => {
    await expect(
      startServer({ port: 0, db: ':memory:', maxConnections: 100, maxHeldWaits: 100 }),
    ).rejects.toThrow(
      'maxHeldWaits (100) must be below maxConnections (100): held reads may not take every connection',
    );
    expect(() => admissionLimits({ maxAnonymousWaitsPerClient: 0 }, 768, fail)).toThrow(
      'maxAnonymousWaitsPerClient must be a positive integer, got 0',
    );
    expect(() => admissionLimits({ maxHeldWaitsPerKey: 600 }, 768, fail)).toThrow(
      'maxHeldWaitsPerKey (600) must not be more than maxHeldWaits (512)',
    );
    expect(() =>
      admissionLimits({ maxAnonymousWaits: 10, maxAnonymousWaitsPerClient: 11 }, 768, fail),
    ).toThrow('maxAnonymousWaitsPerClient (11) must not be more than maxAnonymousWaits (10)');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one by its IPv4 address', () => {
    expect(clientOf('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientOf('10.1.2.3')).toBe('10.1.2.3');
    expect(clientOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf(undefined)).toBe('unknown');
  });
});
