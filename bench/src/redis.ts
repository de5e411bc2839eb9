/**
 * A throwaway redis-server for the BullMQ peer: loopback, free port, temp
 * dir. Volatile by default (no persistence, BullMQ's fastest setting); with
 * `durable` every write is fsynced to the append-only file before Redis
 * answers (`appendfsync always`), the setting that matches an acknowledged
 * Queuey post at SQLite's `synchronous = FULL`.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { tempDir } from './env.js';

export interface RedisServer {
  port: number;
  pid: number;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const REDIS_BIN = process.env.REDIS_SERVER ?? 'redis-server';

export async function startRedis(options: { durable?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('redis');
  const persistence = options.durable
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir.path]
    : ['--appendonly', 'no'];
  const child = spawn(
    REDIS_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    { cwd: dir.path, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const failed = new Promise<never>((_, reject) => {
    child.on('error', (e) =>
      reject(new Error(`cannot start ${REDIS_BIN} (install redis-server): ${e.message}`)),
    );
    child.on('exit', (code) =>
      reject(new Error(`redis-server exited with code ${code}: ${stderr.trim()}`)),
    );
  });
  failed.catch(() => {});
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([client.connect().then(() => client.ping()), failed]);
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        dir.remove();
        throw error;
      }
      client.disconnect();
      await sleep(50);
    }
  }
  return {
    port,
    pid: child.pid as number,
    flush: async () => {
      await client.flushall();
    },
    stop: async () => {
      client.disconnect();
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      dir.remove();
    },
  };
}

/** Runs `fn` with the peer's two Redis setups, volatile and appendfsync always, then stops both. */
export async function withPeerRedis<T>(
  fn: (redis: { volatile: RedisServer; durable: RedisServer }) => Promise<T>,
): Promise<T> {
  const volatile = await startRedis();
  try {
    const durable = await startRedis({ durable: true });
    try {
      return await fn({ volatile, durable });
    } finally {
      await durable.stop();
    }
  } finally {
    await volatile.stop();
  }
}
