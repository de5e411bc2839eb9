/** A Queuey server on a SQLite file in its own process, so its memory and CPU are its own. */
import { startServer } from '@qdo/queuey-server';
import { peakRssMb } from './env.js';
import { childArgs, onMessage, reply } from './procs.js';

const { db, key } = childArgs<{ db: string; key: string }>();
const server = await startServer({ db, port: 0, applications: { bench: [key] } });
onMessage('stats', () => void reply({ type: 'stats', peakRssMb: peakRssMb() }));
onMessage('close', async () => {
  await server.close();
  await reply({ type: 'closed', peakRssMb: peakRssMb() });
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
await reply({ type: 'ready', url: server.url });
