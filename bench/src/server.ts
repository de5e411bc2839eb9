/** Starting and stopping the server child, and clients for it. */
import { randomBytes } from 'node:crypto';
import { QueueyClient } from '@qdo/queuey-client';
import { type Child, spawnChild } from './procs.js';

export const APP = 'bench';

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

export async function startServerProcess(db: string): Promise<ServerProcess> {
  const key = randomBytes(16).toString('hex');
  const child: Child = spawnChild('./server-child.js', { db, key });
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
