/** An in-process Queuey server on a temp SQLite file, with a client for one app. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { newKey } from './secrets.js';

export interface Fixture {
  dir: string;
  server: RunningServer;
  key: string;
  appRoot: string;
  client: QueueyClient;
  close(): Promise<void>;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `qdo-rel-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startFixture(prefix: string): Promise<Fixture> {
  const { dir, remove } = tempDir(prefix);
  const key = newKey();
  const server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: key },
  });
  const appRoot = `${server.url}/v1/queuey/`;
  return {
    dir,
    server,
    key,
    appRoot,
    client: new QueueyClient({ connection: appRoot, appKey: key }),
    async close() {
      await server.close();
      remove();
    },
  };
}

/** Posts `count` messages with bodies "0".."count-1", round-robin over the partitions. */
export async function postNumbered(options: {
  client: QueueyClient;
  queue: string;
  count: number;
  partitions: number;
}): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < options.count; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(options.count, start + 500); i++) {
      batch.push({ body: String(i), partition: (i % options.partitions) + 1 });
    }
    const posted = await options.client.postMessages(options.queue, batch);
    ids.push(...posted.map((m) => m.key));
  }
  return ids;
}
