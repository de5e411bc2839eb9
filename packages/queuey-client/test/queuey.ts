import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@qdo/queuey-server';

// Starts the real Queuey server on 127.0.0.1 with a SQLite file; tests close
// everything they start (see `stopAll`).
export const KEY = 'sekrit-queuey-key-7d1e0b';
export const OTHER_KEY = 'sekrit-other-key-99aa21';

type Running = Awaited<ReturnType<typeof startServer>>;
const running = new Set<Running>();
const dirs: string[] = [];

export function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'queuey-client-it-'));
  dirs.push(dir);
  return join(dir, 'queuey.db');
}

export async function startQueuey(
  options: {
    db?: string;
    port?: number;
    disableExtensions?: string[];
    maxAnswerBytes?: number;
  } = {},
) {
  const server = await startServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    db: options.db ?? tempDb(),
    applications: { queuey: [KEY], other: [OTHER_KEY] },
    ...(options.disableExtensions ? { disableExtensions: options.disableExtensions } : {}),
    ...(options.maxAnswerBytes ? { maxAnswerBytes: options.maxAnswerBytes } : {}),
  });
  running.add(server);
  return {
    url: server.url,
    port: server.port,
    root: `${server.url}/v1/queuey/`,
    close: async () => {
      running.delete(server);
      await server.close();
    },
  };
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let counter = 0;
/** A fresh queue name per test. */
export const uniqueName = (prefix = 'q') => `${prefix}-${process.pid}-${++counter}`;
