/**
 * Client CPU per request: what one request costs the process that sends it
 * (process.cpuUsage, user + system, over `count` sequential requests after a
 * warm-up), against the real server in its own process. On a small machine
 * the worker, the server and the poster share the cores, so this CPU is
 * latency. Three requests: a 100-byte POST of one message, a GET read that
 * returns one message, and a long-poll read answered at once (the worker's
 * `positions` fetch). Each through every way this process can send it; the
 * rounds interleave the ways, so a noisy neighbour hits them all alike.
 *
 * `QDO_BENCH_OLD_CLIENT=/path/to/queuey-client/dist/index.js` adds a client
 * built from another commit (an A/B of a client change).
 */
import http from 'node:http';
import { QueueyClient } from '@qdo/queuey-client';
import ky, { type KyInstance } from 'ky';
import { Agent, fetch as undiciFetch, request as undiciRequest } from 'undici';
import type { BenchConfig } from './config.js';
import { body100, tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { type ServerProcess, startServerProcess } from './server.js';
import { spread } from './stats.js';

const POST_QUEUE = 'cost-post';
const READ_QUEUE = 'cost-read';
const KINDS = ['post', 'get', 'poll'] as const;
type Kind = (typeof KINDS)[number];

const KIND_LABELS: Record<Kind, string> = {
  post: '100-byte POST',
  get: 'GET of one message',
  poll: 'long-poll answered at once',
};

/** One request of a kind; resolves with the number of messages it posted or read. */
type Send = () => Promise<number>;

interface Way {
  id: string;
  label: string;
  send: Record<Kind, Send>;
  close?: () => Promise<void>;
}

interface Target {
  connection: string;
  headers: Record<string, string>;
  url: Record<Kind, string>;
  body: string;
}

const TEXT = 'text/plain; charset=utf-8';

function target(server: ServerProcess): Target {
  const { connection } = server;
  return {
    connection,
    headers: { authorization: `Application ${server.key}`, accept: 'application/json' },
    url: {
      post: `${connection}${POST_QUEUE}`,
      get: `${connection}${READ_QUEUE}?limit=1`,
      poll: `${connection}${READ_QUEUE}?positions=1&limit=1&wait=5`,
    },
    body: body100('cost'),
  };
}

const count = (answer: unknown): number =>
  (answer as { messages?: unknown[] }).messages?.length ?? 0;

/** Any fetch-shaped function, used bare. */
function fetchWay(id: string, label: string, f: typeof fetch, t: Target): Way {
  const json = async (url: string, init: RequestInit) => count(await (await f(url, init)).json());
  const post = { ...t.headers, 'content-type': TEXT };
  return {
    id,
    label,
    send: {
      post: () => json(t.url.post, { method: 'POST', headers: post, body: t.body }),
      get: () => json(t.url.get, { headers: t.headers }),
      poll: () => json(t.url.poll, { headers: t.headers }),
    },
  };
}

function kyWay(id: string, label: string, k: KyInstance, t: Target): Way {
  const post = { ...t.headers, 'content-type': TEXT };
  return {
    id,
    label,
    send: {
      post: async () => count(await k.post(t.url.post, { headers: post, body: t.body }).json()),
      get: async () => count(await k.get(t.url.get, { headers: t.headers }).json()),
      poll: async () => count(await k.get(t.url.poll, { headers: t.headers }).json()),
    },
  };
}

/** The subset of QueueyClient the three requests use (also a client built from another commit). */
interface ClientLike {
  postMessage(queue: string, body: string): Promise<unknown>;
  messages(queue: string, options: { limit: number }): Promise<unknown[]>;
  fetch(
    queue: string,
    options: { positions: { partition: number }[]; limit: number; wait: number },
  ): Promise<unknown[]>;
}

function clientWay(id: string, label: string, client: ClientLike, t: Target): Way {
  return {
    id,
    label,
    send: {
      post: async () => {
        await client.postMessage(POST_QUEUE, t.body);
        return 1;
      },
      get: async () => (await client.messages(READ_QUEUE, { limit: 1 })).length,
      poll: async () =>
        (await client.fetch(READ_QUEUE, { positions: [{ partition: 1 }], limit: 1, wait: 5 }))
          .length,
    },
  };
}

function undiciWay(t: Target): Way {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 1 });
  const post = { ...t.headers, 'content-type': TEXT };
  const json = async (url: string, options: Parameters<typeof undiciRequest>[1]) =>
    count(await (await undiciRequest(url, { ...options, dispatcher })).body.json());
  return {
    id: 'undici',
    label: 'undici request, keep-alive Agent',
    send: {
      post: () => json(t.url.post, { method: 'POST', headers: post, body: t.body }),
      get: () => json(t.url.get, { headers: t.headers }),
      poll: () => json(t.url.poll, { headers: t.headers }),
    },
    close: () => dispatcher.close(),
  };
}

function nodeHttpWay(t: Target): Way {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = { ...t.headers, 'content-type': TEXT };
  const json = (url: string, method: string, headers: Record<string, string>, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(count(JSON.parse(text))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    id: 'node-http',
    label: 'node:http, keep-alive agent',
    send: {
      post: () => json(t.url.post, 'POST', post, t.body),
      get: () => json(t.url.get, 'GET', t.headers),
      poll: () => json(t.url.poll, 'GET', t.headers),
    },
    close: async () => agent.destroy(),
  };
}

/** ky with undici's own fetch on a keep-alive Agent (ky hands fetch a global Request). */
function kyUndiciWay(t: Target): Way {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 1 });
  const viaUndici = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = request.body ? await request.text() : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return (await undiciFetch(request.url, {
      method: request.method,
      headers,
      body,
      signal: request.signal,
      dispatcher,
    })) as unknown as Response;
  };
  const k = ky.create({ fetch: viaUndici });
  return {
    ...kyWay('ky-undici', 'ky over undici fetch, keep-alive Agent', k, t),
    close: () => dispatcher.close(),
  };
}

async function ways(server: ServerProcess, t: Target): Promise<Way[]> {
  const connection = { connection: t.connection, appKey: server.key };
  const all: Way[] = [
    fetchWay('fetch', 'bare global fetch', globalThis.fetch, t),
    kyWay('ky', 'ky alone (its defaults)', ky, t),
    kyUndiciWay(t),
    undiciWay(t),
    nodeHttpWay(t),
    clientWay('client', 'our client', new QueueyClient(connection), t),
    clientWay(
      'client-ky',
      'our client, its ky path (a `fetch` given)',
      new QueueyClient({ ...connection, fetch: globalThis.fetch }),
      t,
    ),
  ];
  const old = process.env.QDO_BENCH_OLD_CLIENT;
  if (old) {
    const module = (await import(old)) as {
      QueueyClient: new (options: typeof connection) => ClientLike;
    };
    all.push(
      clientWay(
        'client-old',
        'our client, before (QDO_BENCH_OLD_CLIENT)',
        new module.QueueyClient(connection),
        t,
      ),
    );
  }
  return all;
}

/** CPU microseconds per request over `n` sequential requests. */
async function cpuPerRequest(send: Send, n: number): Promise<number> {
  const start = process.cpuUsage();
  let moved = 0;
  for (let i = 0; i < n; i++) moved += await send();
  const used = process.cpuUsage(start);
  if (moved !== n) throw new Error(`request-cost: ${n} requests moved ${moved} messages, not ${n}`);
  return (used.user + used.system) / n;
}

export async function requestCost(config: BenchConfig): Promise<Figure[]> {
  const n = config.quick ? 200 : 2000;
  const rounds = Math.max(3, config.rounds);
  const dir = tempDir('request-cost');
  const server = await startServerProcess(dir.file('queuey.db'));
  const all: Way[] = [];
  try {
    const setup = server.client();
    await setup.createQueue({ queueName: POST_QUEUE });
    await setup.createQueue({ queueName: READ_QUEUE });
    await setup.postMessage(READ_QUEUE, body100('read'));
    const t = target(server);
    all.push(...(await ways(server, t)));
    // Warm-up: connections open, code optimised, lazy imports done.
    for (const way of all) for (const kind of KINDS) await cpuPerRequest(way.send[kind], n / 4);
    const samples = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const kind of KINDS) {
        for (const way of round % 2 === 0 ? all : [...all].reverse()) {
          const key = `${way.id}.${kind}`;
          const list = samples.get(key) ?? [];
          list.push(await cpuPerRequest(way.send[kind], n));
          samples.set(key, list);
        }
      }
    }
    return KINDS.flatMap((kind) =>
      all.map((way) =>
        figure(
          `request.${kind}.${way.id}`,
          `client CPU per request: ${KIND_LABELS[kind]}, ${way.label}`,
          'us',
          spread(samples.get(`${way.id}.${kind}`) ?? []),
        ),
      ),
    );
  } finally {
    for (const way of all) await way.close?.();
    await server.close();
    dir.remove();
  }
}
