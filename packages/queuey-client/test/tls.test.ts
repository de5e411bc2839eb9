import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { makeCertificate } from '@qdo/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyConnectionError } from '../src/index.js';
import { KEY, uniqueName } from './queuey.js';

// The real Queuey server over HTTPS, with a certificate made for this run only.
let dir: string;
let cert: string;
let server: RunningServer;
let root: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'queuey-client-tls-'));
  cert = makeCertificate(dir).pem;
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    db: ':memory:',
    applications: { queuey: KEY },
    tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
  });
  root = `${server.url}/v1/queuey/`;
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the real server over HTTPS', () => {
  it('is reached end to end through the `ca` option', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new QueueyClient({ connection: root, appKey: KEY, ca: cert });
    await client.connect();
    expect((await client.extensions()).has('positions')).toBe(true);
    const queue = uniqueName();
    await client.createQueue({ queueName: queue, partitions: 2 });
    const posted = await client.postMessage(queue, 'over tls', { partition: 2 });
    const read = await client.fetch(queue, { positions: [{ partition: 1 }, { partition: 2 }] });
    expect(read.map((m) => [m.message_id, m.body])).toEqual([[posted.key, 'over tls']]);
  });

  it('is refused without the certificate: a clear connection error', async () => {
    const client = new QueueyClient({ connection: root, appKey: KEY, retries: 0 });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect((error as Error).message).toMatch(/certificate/i);
  });
});
