/**
 * The load of `router-cost.ts`, in its own process so that the server
 * process's CPU time is the server's alone: one request at a time over one
 * keep-alive connection, as a worker's long-poll or a producer's post goes.
 */
import { Agent, request } from 'node:http';
import { childArgs, onMessage, reply } from './procs.js';

export interface RouterCostClientArgs {
  key: string;
}

export type Workload = 'post' | 'read' | 'poll';

const { key } = childArgs<RouterCostClientArgs>();
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const BODY = Buffer.alloc(100, 'x');
const PATHS: Record<Workload, string> = {
  post: '/v1/bench/q',
  read: '/v1/bench/q?limit=1',
  // Messages are there, so the long-poll answers at once.
  poll: '/v1/bench/q?limit=1&wait=5',
};

function once(port: number, workload: Workload): Promise<void> {
  const post = workload === 'post';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        port,
        host: '127.0.0.1',
        method: post ? 'POST' : 'GET',
        path: PATHS[workload],
        headers: {
          authorization: `Application ${key}`,
          ...(post ? { 'content-type': 'text/plain', 'content-length': BODY.length } : {}),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          res.statusCode === (post ? 201 : 200)
            ? resolve()
            : reject(new Error(`${workload} answered ${res.statusCode}`)),
        );
      },
    );
    req.once('error', reject);
    req.end(post ? BODY : undefined);
  });
}

onMessage('run', async (message) => {
  const { port, workload, count } = message as unknown as {
    port: number;
    workload: Workload;
    count: number;
  };
  for (let i = 0; i < count; i++) await once(port, workload);
  await reply({ type: 'done' });
});
process.on('disconnect', () => process.exit(0));
await reply({ type: 'ready' });
