// A Queuey server in its own process, for tests that must see it crash (or
// not) and measure its memory: started with --expose-gc, it answers the IPC
// message "memory" with process.memoryUsage() after a full GC.
import { startServer } from '@qdo/queuey-server';

const options = JSON.parse(process.env.QDO_TEST_SERVER ?? '{}');
const errors = [];
const server = await startServer({ ...options, port: 0, onError: (e) => errors.push(String(e)) });
process.on('message', (message) => {
  if (message === 'memory') {
    globalThis.gc?.();
    globalThis.gc?.();
    process.send?.({ memory: process.memoryUsage(), errors });
  }
});
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
process.send?.({ url: server.url });
