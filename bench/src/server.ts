/** Starting and stopping the server child, and clients for it. */
import { randomBytes } from 'node:crypto';
import { QueueyClient } from '@qdo/queuey-client';
import { type Child, spawnChild } from './procs.js';
import type { ServerChildArgs } from './server-child.js';

export const APP = 'bench';

/**
 * Where an ingest measurement's warm-up load goes. A server just started
 * runs its first tens of thousands of messages through V8's unoptimized
 * code, and a server in service has long left that: so each ingest figure
 * sends its load once first, unmeasured, into this queue (not the measured
 * one), through the same servers. Without it, n servers would each pay the
 * warm-up on 1/n of the load.
 */
export const WARM_QUEUE = 'bench-warm';

export interface ServerProcess {
  url: string;
  key: string;
  pid: number;
  /** An app-root URL for clients: `${url}/v1/bench/`. */
  connection: string;
  client(options?: { timeout?: number }): QueueyClient;
  peakRssMb(): Promise<number>;
  close(): Promise<number>;
}

/** A server process on `db` (a SQLite file or a postgres:// URL, then in `postgresSchema`). */
export async function startServerProcess(
  db: string,
  options: { key?: string; postgresSchema?: string } = {},
): Promise<ServerProcess> {
  const key = options.key ?? randomBytes(16).toString('hex');
  const { postgresSchema } = options;
  const args: ServerChildArgs = { db, key, ...(postgresSchema ? { postgresSchema } : {}) };
  const child: Child = spawnChild('./server-child.js', args);
  const { url } = await child.next<{ type: string; url: string }>('ready');
  const connection = `${url}/v1/${APP}/`;
  return {
    url,
    key,
    pid: child.pid,
    connection,
    client: (options = {}) =>
      new QueueyClient({ connection, appKey: key, timeout: options.timeout ?? 30_000 }),
    async peakRssMb() {
      child.send({ type: 'stats' });
      return (await child.next<{ type: string; peakRssMb: number }>('stats')).peakRssMb;
    },
    async close() {
      child.send({ type: 'close' });
      const { peakRssMb } = await child.next<{ type: string; peakRssMb: number }>('closed');
      await child.exited;
      return peakRssMb;
    },
  };
}
