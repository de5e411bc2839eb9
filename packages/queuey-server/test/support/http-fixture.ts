/**
 * The conformance suite's fixture: a real server on an ephemeral port over
 * the storage under test, a controllable clock, and a small fetch helper.
 */
import { afterEach, beforeEach } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.js';
import type { Storage } from '../../src/storage/types.js';
import { manualClock, type OpenStorage, type TestClock } from './storage-fixture.js';

export const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
export const SECOND_KEY = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const OTHER_KEY = '99999999999999999999999999999999';
export const BODY_LIMIT = 64 * 1024;

// The conformance suite opens storages exactly like the storage suite does.
export type { OpenStorage, TestClock } from './storage-fixture.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field in tests
  json: any;
}

export interface RequestOptions {
  key?: string | null;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
  form?: Record<string, string | number>;
  json?: unknown;
  body?: string | Uint8Array;
}

export interface HttpFixture {
  server: RunningServer;
  storage: Storage;
  clock: TestClock;
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  /** Creates a queue with a unique name and returns the name. */
  createQueue(fields?: Record<string, string | number>): Promise<string>;
  post(queue: string, body: string, headers?: Record<string, string>): Promise<Reply>;
  read(queue: string, query?: Record<string, string | number>): Promise<Reply>;
}

export function clockAt(start = Date.UTC(2030, 0, 1)): TestClock {
  return manualClock(start);
}

let counter = 0;

/** Registers beforeEach/afterEach that give each test a fresh server and storage. */
export function useHttpFixture(
  open: OpenStorage,
  options: Partial<ServerOptions> = {},
): () => HttpFixture {
  let fixture: HttpFixture | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const opened = await open();
    const server = await startServer({
      port: 0,
      storage: opened.storage,
      now: opened.clock.now,
      applications: { queuey: [KEY, SECOND_KEY], other: OTHER_KEY },
      bodyLimit: BODY_LIMIT,
      ...options,
    });
    cleanup = async () => {
      await server.close();
      await opened.cleanup();
    };
    fixture = makeFixture(server, opened.storage, opened.clock);
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
    fixture = undefined;
  });
  return () => {
    if (!fixture) throw new Error('fixture used outside a test');
    return fixture;
  };
}

export function makeFixture(
  server: RunningServer,
  storage: Storage,
  clock: TestClock,
): HttpFixture {
  const request = (method: string, path: string, options: RequestOptions = {}) =>
    send(server.url, method, path, options);
  return {
    server,
    storage,
    clock,
    request,
    async createQueue(fields = {}) {
      const name = `q${process.pid}x${++counter}`;
      const reply = await request('POST', '/v1/queuey', { form: { queue_name: name, ...fields } });
      if (reply.status !== 201) throw new Error(`create queue failed: ${reply.text}`);
      return name;
    },
    post: (queue, body, headers = {}) =>
      request('POST', `/v1/queuey/${queue}`, {
        body,
        headers: { 'content-type': 'text/plain', ...headers },
      }),
    read: (queue, query = {}) => request('GET', `/v1/queuey/${queue}`, { query }),
  };
}

export async function send(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = `Application ${key}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined =
    options.body instanceof Uint8Array ? new Uint8Array(options.body) : options.body;
  if (options.form) {
    body = new URLSearchParams(
      Object.entries(options.form).map(([name, value]) => [name, String(value)]),
    ).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const query = options.query
    ? `?${new URLSearchParams(Object.entries(options.query).map(([n, v]) => [n, String(v)]))}`
    : '';
  const response = await fetch(`${base}${path}${query}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
