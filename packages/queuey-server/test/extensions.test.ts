import { afterEach, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';
import { EXTENSIONS } from '../src/http/extensions.js';
import { type RunningServer, startServer } from '../src/server.js';
import { KEY, send } from './support/http-fixture.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(disableExtensions?: string[]) {
  const server = await startServer({
    port: 0,
    db: ':memory:',
    applications: { queuey: KEY },
    ...(disableExtensions ? { disableExtensions } : {}),
  });
  running.push(server);
  return server;
}

describe('extension advertisement (X-Queuey-Extensions)', { timeout: 20_000 }, () => {
  it('lists every extension on GET and HEAD heartbeats', async () => {
    const server = await start();
    for (const method of ['GET', 'HEAD']) {
      const reply = await send(server.url, method, '/__heartbeat__', { key: null });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-queuey-extensions')).toBe('wait, positions, max-bytes');
    }
    expect(EXTENSIONS).toEqual(expect.arrayContaining(['wait', 'positions', 'max-bytes']));
  });

  it('leaves out a switched-off extension, and then ignores its parameter as the original did', async () => {
    const server = await start(['wait']);
    const beat = await send(server.url, 'GET', '/__heartbeat__', { key: null });
    expect(beat.headers.get('x-queuey-extensions')).toBe('positions, max-bytes');
    await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'empty' } });
    // With `wait` on, this read would be held 30 s (past the test's timeout).
    const read = await send(server.url, 'GET', '/v1/queuey/empty', { query: { wait: 30 } });
    expect(read.status).toBe(200);
    expect(read.json.messages).toEqual([]);
  });

  it('refuses an unknown extension name, naming the known ones', async () => {
    await expect(start(['nope'])).rejects.toThrow(
      /unknown extension "nope"; known: wait, positions, max-bytes/,
    );
  });

  it('reads disable_extensions from the INI file, checked', () => {
    const config = parseServerConfig('[server]\ndisable_extensions = wait, positions\n', {
      file: 'q.ini',
    });
    expect(config.disableExtensions).toEqual(['wait', 'positions']);
    expect(() =>
      parseServerConfig('[server]\ndisable_extensions = wiat\n', { file: 'q.ini' }),
    ).toThrow(/q\.ini.*\[server\] disable_extensions: unknown extension "wiat"/);
  });
});
