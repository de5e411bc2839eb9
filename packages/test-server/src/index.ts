import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, type ServerOptions, startServer } from '@qdo/queuey-server';

export interface TempQueuey {
  server: RunningServer;
  /** A client of the `queuey` application on it. */
  client: QueueyClient;
  appKey: string;
  /** Closes the server and removes its temp dir. */
  close(): Promise<void>;
}

/**
 * Our real Queuey server on an ephemeral port, over a SQLite file in a fresh
 * temp dir, with one application `queuey`: the fixture of every suite that
 * needs a server (never a mock of it).
 */
export async function startTempQueuey(
  options: { appKey?: string; prefix?: string; server?: ServerOptions } = {},
): Promise<TempQueuey> {
  const appKey = options.appKey ?? 'f25bfb8fe200475c8a0532a9cbe7651e';
  const dir = await mkdtemp(join(tmpdir(), options.prefix ?? 'qdo-queuey-'));
  const server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: [appKey] },
    ...options.server,
  });
  const client = new QueueyClient({ connection: `${server.url}/v1/queuey/`, appKey });
  return {
    server,
    client,
    appKey,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
