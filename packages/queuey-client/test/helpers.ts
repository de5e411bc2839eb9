import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { systemClock } from '@qdo/common';
import { waitFor } from '@qdo/test-utils';
import type { Clock } from '../src/index.js';

/** A clock whose time moves only when a test (or a back-off sleep) moves it. */
export function fakeClock(start = 1_000_000): Clock & {
  advance(ms: number): void;
  sleeps: number[];
  onSleep?: (ms: number) => Promise<void> | void;
} {
  let now = start;
  const clock = {
    sleeps: [] as number[],
    onSleep: undefined as ((ms: number) => Promise<void> | void) | undefined,
    now: () => now,
    monotonic: () => now,
    advance(ms: number) {
      now += ms;
    },
    async sleep(ms: number) {
      clock.sleeps.push(ms);
      now += ms;
      await clock.onSleep?.(ms);
    },
    // The client sets no timers on its clock; real time, should it ever.
    timer: systemClock.timer,
  };
  return clock;
}

export interface RawServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** A tiny node:http server of our own, for answers a real Queuey never gives. */
export async function startRawServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RawServer> {
  const requests: RawServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that refuses connections: bound once, then closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every way an error may be shown or serialised. */
export function renderings(error: unknown): string[] {
  return [
    JSON.stringify(error),
    String(error),
    (error as Error).stack ?? '',
    inspect(error, { depth: 10, showHidden: true }),
  ];
}

/** Retries `check` until it stops throwing; after `ms` the last error is in the failure. */
export async function eventually<T>(check: () => Promise<T> | T, ms = 5000): Promise<T> {
  let last: unknown;
  const found = await waitFor(
    async () => {
      try {
        return { value: await check() };
      } catch (error) {
        last = error;
        return undefined;
      }
    },
    { timeout: ms, what: () => `no error; last: ${String(last)}` },
  );
  return (found as { value: T }).value;
}

export interface TestProxy extends RawServer {
  /** 'forward' passes requests to the target; 'unavailable' answers 503 as a load balancer does. */
  mode: 'forward' | 'unavailable';
}

/** A small reverse proxy in front of a real server, which can be made to answer 503. */
export async function startProxy(target: string): Promise<TestProxy> {
  const state = { mode: 'forward' as TestProxy['mode'] };
  const raw = await startRawServer((req, res) => {
    if (state.mode === 'unavailable') {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><h1>503 Service Unavailable</h1></html>');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers = Object.entries(req.headers).flatMap(([name, value]) =>
        typeof value === 'string' && name !== 'host' && name !== 'connection'
          ? [[name, value] as [string, string]]
          : [],
      );
      const method = req.method ?? 'GET';
      const answer = await fetch(`${target}${req.url}`, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'transfer-encoding') out[name] = value;
      });
      res.writeHead(answer.status, out);
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  return Object.defineProperty(raw, 'mode', {
    get: () => state.mode,
    set: (mode: TestProxy['mode']) => {
      state.mode = mode;
    },
  }) as TestProxy;
}
