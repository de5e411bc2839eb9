import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { HostAllowList } from '@qdo/common';
import type { QueueyClient } from '@qdo/queuey-client';
import { actions } from './actions.js';
import { loadAssets } from './assets.js';
import { answerFor, DashboardError } from './errors.js';
import { handler, json } from './routes.js';
import { Sampler } from './sampler.js';
import { Security, securityOptions } from './security.js';
import { GONE_SECONDS } from './workers.js';

export interface DashboardOptions {
  /** A client with the app key: the key stays on this side. */
  queuey: QueueyClient;
  /** Default 127.0.0.1. Any other address needs `token`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Serve pages and data but refuse every action. Default false. */
  readOnly?: boolean;
  /**
   * Required when `host` is not loopback, at least 16 characters: opened
   * once as `/?token=…`, then a session cookie.
   */
  token?: string;
  /**
   * Host names the dashboard answers to besides 127.0.0.1, localhost and
   * [::1] (with its port or none) and the bound address: a name or IP
   * address, with any port (a reverse proxy's). Any other Host gets 421.
   * Default none.
   */
  allowedHosts?: readonly string[];
  /** Seconds between samples of positions and lag. Default 5. */
  sampleSeconds?: number;
  /** Messages counted per partition and sample. Default 10000. */
  lagCap?: number;
  /** Seconds a partition with lag may keep its position before it shows as stalled. Default 60. */
  stallSeconds?: number;
  /**
   * Seconds without a sign of life after which a worker whose partitions have
   * work waiting (or that holds none any more) shows as gone. Default 300.
   */
  goneSeconds?: number;
  /** Name written as `last_worker` by a seek. Default `dashboard@<hostname>`. */
  name?: string;
  now?: () => number;
  /**
   * Under the `automatic` policy: where ZooKeeper's party is
   * (`host:port[,…][/chroot]`, as `[zookeeper] connection`). The Workers page
   * then lists its members; needs the optional peer @qdo/zookeeper.
   */
  zookeeper?: { connection: string; connectTimeout?: number } | undefined;
}

export const DASHBOARD_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  readOnly: false,
  allowedHosts: [],
  sampleSeconds: 5,
  lagCap: 10_000,
  stallSeconds: 60,
  goneSeconds: GONE_SECONDS,
} satisfies Partial<DashboardOptions>;

export interface RunningDashboard {
  url: string;
  sampler: Sampler;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const HISTORY_MS = 60 * 60 * 1000;
const CLOSE_GRACE_MS = 2000;

/** Starts sampling and serving; resolves once it listens. */
export async function serveDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const o = { ...DASHBOARD_DEFAULTS, ...options };
  const hostNames = securityOptions(o);
  const bad = (message: string) => new DashboardError(message, 'QDO_DASHBOARD_OPTIONS');
  if (!(o.sampleSeconds > 0)) throw bad(`sampleSeconds must be > 0, got ${o.sampleSeconds}`);
  if (!(o.stallSeconds > 0)) throw bad(`stallSeconds must be > 0, got ${o.stallSeconds}`);
  if (!(o.goneSeconds > 0)) throw bad(`goneSeconds must be > 0, got ${o.goneSeconds}`);
  if (!Number.isInteger(o.lagCap) || o.lagCap < 1)
    throw bad(`lagCap must be a whole number >= 1, got ${o.lagCap}`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw bad(`port must be 0..65535, got ${o.port}`);
  const party = o.zookeeper ? await partyReader(o.zookeeper) : undefined;
  const sampler = new Sampler({
    party,
    queuey: o.queuey,
    lagCap: o.lagCap,
    stallAfterMs: o.stallSeconds * 1000,
    historyMs: HISTORY_MS,
    goneAfterMs: o.goneSeconds * 1000,
    now: o.now ?? Date.now,
  });
  // Before listening: a missing bundle must not leave a server open.
  const assets = loadAssets();
  const streams = new Set<ServerResponse>();
  let closed = false;
  // Set once listening: the Host allow-list needs the port.
  let handle: ReturnType<typeof handler> | undefined;
  const server = createServer((req, res) => {
    // Closing: an EventSource that reconnects on a kept-alive socket must not hold the close up.
    if (closed || !handle) {
      res.writeHead(503, { connection: 'close' });
      return void res.end();
    }
    handle(req, res, streams).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      const answer = answerFor(error);
      json(res, answer.status, { error: answer.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  handle = handler({
    sampler,
    actions: actions(o.queuey, o.name ?? `dashboard@${hostname()}`),
    security: new Security({
      token: o.token,
      hosts: new HostAllowList({ port, bound: o.host, names: hostNames }),
    }),
    assets,
    readOnly: o.readOnly,
    sampleSeconds: o.sampleSeconds,
    goneSeconds: o.goneSeconds,
  });
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    void sampler.sample().finally(() => {
      if (!closed) timer = setTimeout(loop, o.sampleSeconds * 1000);
    });
  };
  loop();
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const close = async () => {
    closed = true;
    clearTimeout(timer);
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const res of streams) res.end();
    server.closeIdleConnections();
    // A sample in flight ends before the server does; no new one starts.
    await sampler.idle();
    // Actions in hand get a moment to answer; then the last sockets go.
    const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    await stopped;
    clearTimeout(grace);
  };
  return { url: `http://${host}:${port}/`, sampler, close, [Symbol.asyncDispose]: close };
}

/** Loads @qdo/zookeeper only when asked for: it is an optional peer. */
async function partyReader(zk: { connection: string; connectTimeout?: number }) {
  const name = '@qdo/zookeeper';
  let zookeeper: typeof import('@qdo/zookeeper');
  try {
    zookeeper = (await import(name)) as typeof import('@qdo/zookeeper');
  } catch (error) {
    throw new DashboardError(
      `listing ZooKeeper's party needs @qdo/zookeeper, which is not installed (${error instanceof Error ? error.message : String(error)})`,
      'QDO_DASHBOARD_OPTIONS',
    );
  }
  const options = { connectTimeout: zk.connectTimeout ?? 5000 };
  return {
    connection: zk.connection,
    read: async () =>
      (await zookeeper.readParty(zk.connection, options)).map((m) => ({
        name: m.identifier,
        partitions: m.partitions,
      })),
  };
}
