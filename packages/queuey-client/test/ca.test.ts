import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate } from '@qdo/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyConnectionError } from '../src/index.js';

// A throw-away self-signed certificate, made by openssl for this run only.
let dir: string;
let cert: string;
let server: Server;
let root: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'queuey-client-ca-'));
  cert = makeCertificate(dir).pem;
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(req.url?.startsWith('/__heartbeat__') ? 200 : 201, {
      'content-type': 'application/json',
    });
    res.end(req.method === 'HEAD' ? undefined : '{"status":"ok","messages":[{"key":"k"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/queuey/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a private certificate authority', () => {
  it('is trusted when given as `ca`, and requests carry body and key', async () => {
    const client = new QueueyClient({ connection: root, ca: cert, appKey: 'k1' });
    await client.connect();
    expect(await client.postMessage('q', 'hello')).toEqual({ key: 'k' });
    expect(seen).toContain('Application k1');
  });

  it('accepts the bundle as bytes too', async () => {
    const client = new QueueyClient({ connection: root, ca: new TextEncoder().encode(cert) });
    await expect(client.connect()).resolves.toBeUndefined();
  });

  it('is not trusted without `ca`: a clear connection error', async () => {
    const client = new QueueyClient({ connection: root, retries: 0 });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect((error as Error).message).toMatch(/certificate/i);
  });
});
