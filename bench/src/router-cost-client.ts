/**
 * The load of `router-cost.ts`, in its own process so that the server
 * process's CPU time is the server's alone: one request at a time over one
 * keep-alive connection, as a worker's long-poll or a producer's post goes
 * (a `wake` is a held long-poll on a second connection, then the post that
 * answers it).
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { childArgs, onMessage, reply } from './procs.js';

export interface RouterCostClientArgs {
  key: string;
}

export type Workload = 'post' | 'read' | 'poll' | 'wake';

const { key } = childArgs<RouterCostClientArgs>();
const posts = new Agent({ keepAlive: true, maxSockets: 1 });
const polls = new Agent({ keepAlive: true, maxSockets: 1 });
const BODY = Buffer.alloc(100, 'x');
const QUEUE = '/v1/bench/q';
/** The key of the last message posted: where a `wake` long-poll starts. */
let last = '';

function send(port: number, method: string, path: string, agent: Agent): Promise<string> {
  const post = method === 'POST';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        port,
        host: '127.0.0.1',
        method,
        path,
        headers: {
          authorization: `Application ${key}`,
          ...(post ? { 'content-type': 'text/plain', 'content-length': BODY.length } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('end', () =>
          res.statusCode === (post ? 201 : 200)
            ? resolve(text)
            : reject(new Error(`${method} ${path} answered ${res.statusCode}`)),
        );
      },
    );
    req.once('error', reject);
    req.end(post ? BODY : undefined);
  });
}

async function postOne(port: number): Promise<void> {
  const answer = JSON.parse(await send(port, 'POST', QUEUE, posts)) as {
    messages: { key: string }[];
  };
  last = answer.messages[0]?.key ?? last;
}

async function once(port: number, workload: Workload): Promise<void> {
  if (workload === 'post') return postOne(port);
  if (workload === 'read') return void (await send(port, 'GET', `${QUEUE}?limit=1`, posts));
  // Messages are there, so the long-poll answers at once.
  if (workload === 'poll') return void (await send(port, 'GET', `${QUEUE}?limit=1&wait=5`, posts));
  const held = send(port, 'GET', `${QUEUE}?limit=10&wait=5&since=${last}`, polls);
  await sleep(1); // held by then, mostly; a read that finds the post at once costs the same
  await postOne(port);
  await held;
}

onMessage('run', async (message) => {
  const { port, workload, count } = message as unknown as {
    port: number;
    workload: Workload;
    count: number;
  };
  if (!last) await postOne(port);
  const started = performance.now();
  for (let i = 0; i < count; i++) await once(port, workload);
  await reply({ type: 'done', ms: performance.now() - started });
});
process.on('disconnect', () => process.exit(0));
await reply({ type: 'ready' });
