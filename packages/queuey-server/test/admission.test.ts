import { waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
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
  const createQueue = async (name: string, type = 'user') => {
    const reply = await send(server.url, 'POST', '/v1/queuey', {
      form: { queue_name: name, type },
    });
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
