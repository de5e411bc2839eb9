/**
 * What the HTTP layer costs the server per request: the server's CPU time
 * (user + system, of this process, which serves; the load comes from a
 * child) for a 100-byte one-message POST, a GET of one message and a
 * long-poll answered at once, each served three ways by the same app over
 * one SQLite storage:
 *
 * - `shell`: Hono on @hono/node-server, one catch-all route into our router
 *   (how the server was served before);
 * - `hono`: Hono fully, its router matching the protocol's path shapes
 *   (its handlers still enter our traversal, which re-splits the path: about
 *   a microsecond);
 * - `node`: no framework, node:http straight into our router (`startServer`).
 *
 * `wake` is a long-poll held on a second connection and the post that wakes
 * it: their CPU together.
 *
 * Rounds interleave them, in a rotating order. `pnpm bench --only router`.
 * With BENCH_ROUTER_BEFORE (see below) two whole servers instead, before and
 * after, and the client's time per request; BENCH_ROUTER_PG=1 puts those on
 * PostgreSQL.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp, openSqliteStorage, type QueueyApp, startServer } from '@qdo/queuey-server';
import { type Context, Hono } from 'hono';
import type { BenchConfig } from './config.js';
import { type Figure, figure } from './figures.js';
import { startDurableCluster } from './postgres-load.js';
import { spawnChild } from './procs.js';
import type { RouterCostClientArgs, Workload } from './router-cost-client.js';
import { spread } from './stats.js';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const LAYERS = ['shell', 'hono', 'node'] as const;
type Variant = (typeof LAYERS)[number] | 'before' | 'after';
/**
 * A built @qdo/queuey-server of another commit (its dist/index.js): its
 * `startServer` beside this one's, as `before` and `after`, both whole
 * servers (connection guard and all) on the same SQLite file.
 */
const BEFORE = process.env.BENCH_ROUTER_BEFORE;
/** With BENCH_ROUTER_BEFORE: the two servers on a durable PostgreSQL cluster of the bench's own. */
const ON_POSTGRES = process.env.BENCH_ROUTER_PG === '1';
/**
 * Each variant loads its own @hono/node-server when it has one, which
 * replaces the global Request and Response: so `before` (whose package brings
 * its own copy) runs alone with `after`, never beside `shell` and `hono`.
 */
const VARIANTS: readonly Variant[] = BEFORE ? ['before', 'after'] : LAYERS;
const ALL_WORKLOADS: readonly Workload[] = ['post', 'read', 'poll', 'wake'];
/** BENCH_ROUTER_WORKLOADS=wake (comma-separated): only these, e.g. to profile one. */
const only = process.env.BENCH_ROUTER_WORKLOADS?.split(',');
const WORKLOADS = ALL_WORKLOADS.filter((workload) => !only || only.includes(workload));
const LABELS: Record<Variant, string> = {
  shell: 'Hono shell + our router',
  hono: 'Hono fully (its router)',
  node: 'node:http + our router',
  before: 'whole server, BENCH_ROUTER_BEFORE',
  after: 'whole server, this commit',
};
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

type Start = (
  options: Record<string, unknown>,
) => Promise<{ port: number; close(): Promise<void> }>;

/** A whole server of `startServer` on the SQLite file or PostgreSQL URL, as a closable with its port. */
async function startWhole(start: Start, db: string) {
  const server = await start({
    port: 0,
    db,
    ...(db.startsWith('postgres')
      ? { postgresSchema: 'bench_router' }
      : { sqliteSynchronous: 'normal' }),
    applications: { bench: [KEY] },
  });
  return { port: server.port, close: () => server.close() };
}

/** The app served the `variant` way on an ephemeral port. */
async function serveAs(variant: (typeof LAYERS)[number], app: QueueyApp): Promise<Server> {
  const pass = (c: Context) => app.fetch(c.req.raw, c.env);
  if (variant === 'node') {
    const server = createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }
  const hono = new Hono();
  hono.on(['GET', 'HEAD'], '/__heartbeat__', pass);
  if (variant === 'shell') hono.all('*', pass);
  else {
    hono.on(METHODS, ['/v1/:app', '/v1/:app/:queue', '/v1/:app/:queue/:ids'], pass);
    hono.notFound(pass);
  }
  return new Promise((resolve) => {
    const server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(server as Server),
    ) as Server;
  });
}

export async function routerCost(config: BenchConfig): Promise<Figure[]> {
  const count = config.quick ? 300 : 2_000;
  const dir = join(tmpdir(), `qdo-router-cost-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // Commits without an fsync each, so the disk's time does not drown the HTTP layer's.
  const storage = await openSqliteStorage({ path: join(dir, 'router.db'), synchronous: 'normal' });
  const applications = { bench: [KEY] };
  const servers = new Map<Variant, { port: number; close(): unknown }>();
  for (const variant of BEFORE ? [] : LAYERS) {
    const server = await serveAs(variant, createApp({ storage, applications }));
    servers.set(variant, {
      port: (server.address() as AddressInfo).port,
      close: () => server.close(),
    });
  }
  const cluster = BEFORE && ON_POSTGRES ? await startDurableCluster() : undefined;
  if (BEFORE) {
    const db = cluster?.url ?? join(dir, 'router.db');
    const before = (await import(pathToFileURL(BEFORE).href)) as { startServer: Start };
    servers.set('before', await startWhole(before.startServer, db));
    servers.set('after', await startWhole(startServer as unknown as Start, db));
  }
  const port = (v: Variant) => servers.get(v)?.port as number;
  const client = spawnChild('./router-cost-client.js', { key: KEY } satisfies RouterCostClientArgs);
  const costs = new Map<string, number[]>();
  const walls = new Map<string, number[]>();
  try {
    await client.next('ready');
    const made = await fetch(`http://127.0.0.1:${port(VARIANTS[0] as Variant)}/v1/bench`, {
      method: 'POST',
      headers: { authorization: `Application ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queue_name: 'q' }),
    });
    if (made.status !== 201) throw new Error(`queue create answered ${made.status}`);
    /** CPU µs of this process per request (a wake: per pair), and the client's wall µs. */
    const run = async (variant: Variant, workload: Workload, n: number) => {
      const before = process.cpuUsage();
      client.send({ type: 'run', port: port(variant), workload, count: n });
      const { ms } = await client.next<{ type: string; ms: number }>('done');
      const used = process.cpuUsage(before);
      return { cpu: (used.user + used.system) / n, wall: (ms * 1000) / n };
    };
    for (const workload of WORKLOADS)
      for (const variant of VARIANTS) await run(variant, workload, count / 4); // warm-up
    for (let round = 0; round < config.rounds; round++) {
      for (const workload of WORKLOADS) {
        for (let i = 0; i < VARIANTS.length; i++) {
          const variant = VARIANTS[(round + i) % VARIANTS.length] as Variant;
          const id = `${variant}.${workload}`;
          const { cpu, wall } = await run(variant, workload, count);
          costs.set(id, [...(costs.get(id) ?? []), cpu]);
          walls.set(id, [...(walls.get(id) ?? []), wall]);
        }
      }
    }
  } finally {
    client.kill();
    await Promise.all([...servers.values()].map((server) => server.close()));
    await storage.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const where = cluster ? ' (PostgreSQL)' : '';
  return WORKLOADS.flatMap((workload) => [
    ...VARIANTS.map((variant) =>
      figure(
        `router.${variant}.${workload}${cluster ? '.pg' : ''}`,
        `server CPU per ${workload}: ${LABELS[variant]}${where}`,
        'us',
        spread(costs.get(`${variant}.${workload}`) ?? []),
      ),
    ),
    // The client's time per request, one at a time: round trips count here.
    ...(BEFORE ? VARIANTS : []).map((variant) =>
      figure(
        `router.${variant}.${workload}.wall${cluster ? '.pg' : ''}`,
        `client time per ${workload}: ${LABELS[variant]}${where}`,
        'us',
        spread(walls.get(`${variant}.${workload}`) ?? []),
      ),
    ),
  ]);
}
