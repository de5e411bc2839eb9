/**
 * A Queuey server in its own process, so its memory and CPU are its own: on
 * a SQLite file, or on a postgres:// URL (in a schema of its own).
 */
import { startServer } from '@qdo/queuey-server';
import { peakRssMb } from './env.js';
import { childArgs, onMessage, reply } from './procs.js';

export interface ServerChildArgs {
  /** A SQLite file or a postgres:// URL. */
  db: string;
  key: string;
  postgresSchema?: string;
}

const { db, key, postgresSchema } = childArgs<ServerChildArgs>();
const server = await startServer({
  db,
  ...(postgresSchema ? { postgresSchema } : {}),
  port: 0,
  applications: { bench: [key] },
});
onMessage('stats', () => void reply({ type: 'stats', peakRssMb: peakRssMb() }));
onMessage('close', async () => {
  await server.close();
  await reply({ type: 'closed', peakRssMb: peakRssMb() });
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
await reply({ type: 'ready', url: server.url });
