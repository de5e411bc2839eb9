import { connect, type Socket } from 'node:net';
import { waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { openSqliteStorage } from '../src/storage/index.js';
import { KEY, send } from './support/http-fixture.js';

const sockets: Socket[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: ServerLogger = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
  };
  return { logger, lines };
}

/** A loopback socket that sends half a request and then nothing. */
function halfOpen(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /__heartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      resolve(socket);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    sockets.push(socket);
  });
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed || socket.readyState === 'closed') resolve();
    else socket.once('close', () => resolve());
  });

describe('slowloris', { timeout: 30_000 }, () => {
  it('keeps answering while one client holds more half-open sockets than the limit, and logs it', async () => {
    const { logger, lines } = recordingLogger();
    const server = await startServer({
      port: 0,
      db: ':memory:',
      applications: { queuey: KEY },
      maxConnections: 20,
      logger,
    });
    running.push(server);
    const held = [];
    for (let i = 0; i < 60; i++) held.push(await halfOpen(server.port));
    await waitFor(() => lines.some((line) => line.level === 'warn'));
    // A normal request still gets through, more than once.
    for (let i = 0; i < 3; i++) {
      const reply = await send(server.url, 'GET', '/__heartbeat__', { key: null });
      expect(reply.status).toBe(200);
    }
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1); // at most one line per 10 s, not one per connection
    expect(warnings[0]?.message).toMatch(/connection limit reached/);
    expect(warnings[0]?.fields).toMatchObject({ max_connections: 20 });
    // The oldest half-open sockets were the ones closed.
    await Promise.all(held.slice(0, 40).map(closed));
  });

  it('keeps a held long-poll through the flood: only connections without a request in progress are closed', async () => {
    const storage = await openSqliteStorage({ path: ':memory:' });
    let watching = 0;
    // Counts held reads: a long-poll subscribes before it waits.
    const counted = new Proxy(storage, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== 'watch' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return (listener: Parameters<typeof storage.watch>[0]) => {
          watching++;
          return value.call(target, listener);
        };
      },
    });
    const server = await startServer({
      port: 0,
      storage: counted,
      applications: { queuey: KEY },
      maxConnections: 10,
      logger: recordingLogger().logger,
    });
    running.push(server);
    try {
      await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'held' } });
      const held = send(server.url, 'GET', '/v1/queuey/held', { query: { wait: 20 } });
      await waitFor(() => watching > 0);
      for (let i = 0; i < 30; i++) await halfOpen(server.port);
      const posted = await send(server.url, 'POST', '/v1/queuey/held', { body: 'still here' });
      expect(posted.status).toBe(201);
      const reply = await held;
      expect(reply.json.messages.map((m: { body: string }) => m.body)).toEqual(['still here']);
    } finally {
      await server.close();
      await storage.close();
    }
  });

  it('closes a connection that does not finish its headers in time', async () => {
    const server = await startServer({
      port: 0,
      db: ':memory:',
      applications: { queuey: KEY },
      headersTimeout: 300,
      logger: recordingLogger().logger,
    });
    running.push(server);
    const socket = await halfOpen(server.port);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    await closed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(
      startServer({ port: 0, db: ':memory:', maxConnections: 0, applications: { queuey: KEY } }),
    ).rejects.toThrow(/maxConnections must be a positive integer/);
  });
});
