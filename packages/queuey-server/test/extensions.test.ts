import { afterEach, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';
import { EXTENSIONS } from '../src/http/extensions.js';
import { type RunningServer, startServer } from '../src/server.js';
import { KEY, send } from './support/http-fixture.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(disableExtensions?: string[], now?: () => number) {
  const server = await startServer({
    port: 0,
    db: ':memory:',
    applications: { queuey: KEY },
    ...(now ? { now, purgeInterval: 20 } : {}),
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
      expect(reply.headers.get('x-queuey-extensions')).toBe(
        'wait, positions, if-match, max-bytes, expired, partial, headers',
      );
    }
    expect(EXTENSIONS).toEqual(expect.arrayContaining(['wait', 'positions', 'max-bytes']));
  });

  it('leaves out a switched-off extension, and then ignores its parameter as the original did', async () => {
    const server = await start(['wait']);
    const beat = await send(server.url, 'GET', '/__heartbeat__', { key: null });
    expect(beat.headers.get('x-queuey-extensions')).toBe(
      'positions, if-match, max-bytes, expired, partial, headers',
    );
    await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'empty' } });
    // With `wait` on, this read would be held 30 s (past the test's timeout).
    const read = await send(server.url, 'GET', '/v1/queuey/empty', { query: { wait: 30 } });
    expect(read.status).toBe(200);
    expect(read.json.messages).toEqual([]);
  });

  it('refuses an unknown extension name, naming the known ones', async () => {
    await expect(start(['nope'])).rejects.toThrow(
      /unknown extension "nope"; known: wait, positions, if-match, max-bytes, expired, partial/,
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

  it('expired: per partition, how many messages the purge removed at expiry and the newest (server clock)', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const server = await start(undefined, () => clock);
    await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'ttl', partitions: 3 } });
    const post = async (partition: number, ttl: number) => {
      const reply = await send(server.url, 'POST', '/v1/queuey/ttl', {
        body: 'x',
        headers: { 'x-ttl': String(ttl), 'x-partition': String(partition) },
      });
      return (reply.json.messages as { key: string }[])[0]?.key;
    };
    await post(1, 10);
    const newest1 = await post(1, 10);
    const newest2 = await post(2, 10);
    await post(2, 1000);
    const read = async () =>
      (await send(server.url, 'GET', '/v1/queuey/ttl', { query: { expired: 1 } })).json;
    expect(await read()).toEqual({
      status: 'ok',
      partitions: [
        { partition: 1, expired_count: 0, last_expired_id: null },
        { partition: 2, expired_count: 0, last_expired_id: null },
        { partition: 3, expired_count: 0, last_expired_id: null },
      ],
    });
    clock += 10_000;
    const purged = async () =>
      ((await read()).partitions as { expired_count: number }[]).reduce(
        (n, p) => n + p.expired_count,
        0,
      );
    const deadline = Date.now() + 5000;
    while ((await purged()) < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await read()).partitions).toEqual([
      { partition: 1, expired_count: 2, last_expired_id: newest1 },
      { partition: 2, expired_count: 1, last_expired_id: newest2 },
      { partition: 3, expired_count: 0, last_expired_id: null },
    ]);
    // expired=0 is a plain read; switched off, the parameter is ignored.
    const plain = await send(server.url, 'GET', '/v1/queuey/ttl', {
      query: { expired: 0, partitions: 2 },
    });
    expect(plain.json.messages).toHaveLength(1);
    const off = await start(['expired']);
    await send(off.url, 'POST', '/v1/queuey', { form: { queue_name: 'q' } });
    const ignored = await send(off.url, 'GET', '/v1/queuey/q', { query: { expired: 1 } });
    expect(ignored.json).toEqual({ status: 'ok', messages: [] });
  });
});
