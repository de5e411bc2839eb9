import { afterEach, describe, expect, it } from 'vitest';
import { QueueyClient } from '../src/index.js';
import { type RawServer, startRawServer } from './helpers.js';
import { KEY, startQueuey, stopAll } from './queuey.js';

let raw: RawServer | undefined;
afterEach(async () => {
  await stopAll();
  await raw?.close();
  raw = undefined;
});

describe('client.extensions()', () => {
  it('lists what the real server advertises on its heartbeat', async () => {
    const server = await startQueuey();
    const client = new QueueyClient({ connection: server.root, appKey: KEY });
    const extensions = await client.extensions();
    expect(extensions.has('wait')).toBe(true);
    expect(extensions.has('positions')).toBe(true);
  });

  it('leaves out an extension the server has switched off', async () => {
    const server = await startQueuey({ disableExtensions: ['positions'] });
    const client = new QueueyClient({ connection: server.root, appKey: KEY });
    const extensions = await client.extensions();
    expect(extensions.has('positions')).toBe(false);
    expect(extensions.has('wait')).toBe(true);
  });

  it('is an empty set for a server without the header, asked once and then cached', async () => {
    raw = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    const client = new QueueyClient({ connection: `${raw.url}/v1/queuey/` });
    expect([...(await client.extensions())]).toEqual([]);
    expect([...(await client.extensions())]).toEqual([]);
    expect(raw.requests.filter((r) => r.url === '/__heartbeat__')).toHaveLength(1);
  });

  it('is taken from connect(), which already read the heartbeat', async () => {
    raw = await startRawServer((_req, res) => {
      res.writeHead(200, { 'x-queuey-extensions': 'wait, Positions,,future-thing' });
      res.end();
    });
    const client = new QueueyClient({ connection: `${raw.url}/v1/queuey/` });
    await client.connect();
    expect([...(await client.extensions())]).toEqual(['wait', 'positions', 'future-thing']);
    expect(raw.requests).toHaveLength(1);
  });

  it('does not cache a failed ask', async () => {
    let up = false;
    raw = await startRawServer((_req, res) => {
      res.writeHead(up ? 200 : 404, { 'x-queuey-extensions': 'wait' });
      res.end();
    });
    const client = new QueueyClient({ connection: `${raw.url}/v1/queuey/`, retries: 0 });
    await expect(client.extensions()).rejects.toMatchObject({ status: 404 });
    up = true;
    expect([...(await client.extensions())]).toEqual(['wait']);
  });
});
