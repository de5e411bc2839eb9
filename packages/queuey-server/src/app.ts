/**
 * The Queuey v1 HTTP app (QUEUEY_API.md) on node:http, without a framework
 * (docs/ARCHITECTURE.md, "Server HTTP layer"): `startServer` serves it, tests
 * may call `app.request()` directly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Admission } from './admission.js';
import { connectionKey } from './connections.js';
import {
  HttpError,
  isQueueyServerError,
  STORAGE_UNAVAILABLE_MESSAGE,
  storageHttpError,
} from './errors.js';
import { Authenticator } from './http/auth.js';
import { type AppState, JsonText, type Peer } from './http/context.js';
import { EXTENSIONS_HEADER, enabledExtensions, extensionsHeader } from './http/extensions.js';
import { QueueCache } from './http/queue-cache.js';
import { QueueWaits } from './http/queue-waits.js';
import { fromNode, fromWeb, type ServedRequest } from './http/request.js';
import { dispatch, pathOf } from './http/router.js';
import { type FullLog, StorageFull } from './http/storage-full.js';
import { createLogger } from './log.js';
import { isStorageError } from './storage/errors.js';
import type { Storage } from './storage/types.js';

export interface AppOptions {
  storage: Storage;
  /** Application name -> its keys. */
  applications: Record<string, readonly string[]>;
  /** Clock for TTLs and creation times, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Largest accepted request body, bytes; bigger is a 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Largest body of one message, UTF-8 bytes; bigger is a 413. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Message body bytes in one read's answer (at least one message per partition). Default 8 MiB. */
  maxAnswerBytes?: number;
  /** Longest `wait` a read may ask for, seconds. Default 30. */
  maxWait?: number;
  /** Extensions to switch off (e.g. `['positions']`), to test clients' fallbacks. Default none. */
  disableExtensions?: readonly string[];
  /** When aborted, held `wait` reads answer at once (server shutdown). */
  signal?: AbortSignal;
  /** Budgets of held `wait` reads, shared with the connection guard. Default ADMISSION_DEFAULTS. */
  admission?: Admission;
  /** Receives one entry per answered request (access log); never a key. */
  accessLog?: (entry: { method: string; path: string; status: number; ms: number }) => void;
  /** Receives unexpected errors (bugs), which answer 500. Default console.error. */
  onError?: (error: unknown) => void;
  /** Where a full disk is told, once when it fills and once when it clears. Default stderr. */
  logger?: FullLog;
}

export const APP_DEFAULTS = {
  bodyLimit: 1024 * 1024,
  maxMessageBytes: 1024 * 1024,
  maxAnswerBytes: 8 * 1024 * 1024,
  maxWait: 30,
} satisfies Partial<AppOptions>;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** Where a request came from; app.request() has no connection. */
function peerOf(socket: Socket | undefined): Peer {
  return socket
    ? { connection: connectionKey(socket), address: socket.remoteAddress }
    : { connection: undefined, address: undefined };
}

/** The app, not listening: `startServer` serves `handle`; tests may `fetch` or `request`. */
export interface QueueyApp {
  /** The node:http request listener. */
  handle(incoming: IncomingMessage, response: ServerResponse): void;
  /**
   * Answers a web Request. `env.incoming` (as @hono/node-server passes it)
   * gives the connection for the admission and connection guards.
   */
  fetch(request: Request, env?: { incoming?: IncomingMessage }): Promise<Response>;
  /** `fetch` of a path (`http://localhost` prefixed) or Request. */
  request(input: string | Request, init?: RequestInit): Promise<Response>;
}

interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export function createApp(options: AppOptions): QueueyApp {
  const now = options.now ?? Date.now;
  const full = new StorageFull(options.logger ?? createLogger(), now);
  // Writes tell the full-disk episode when they fail for want of space and when they succeed.
  const unwatch = options.storage.watchSpace?.(full);
  if (unwatch) options.signal?.addEventListener('abort', unwatch, { once: true });
  const state: AppState = {
    storage: options.storage,
    authenticator: new Authenticator(options.applications),
    applications: new Set(Object.keys(options.applications)),
    now,
    bodyLimit: options.bodyLimit ?? APP_DEFAULTS.bodyLimit,
    maxMessageBytes: options.maxMessageBytes ?? APP_DEFAULTS.maxMessageBytes,
    maxAnswerBytes: options.maxAnswerBytes ?? APP_DEFAULTS.maxAnswerBytes,
    maxWait: options.maxWait ?? APP_DEFAULTS.maxWait,
    closing: options.signal ?? new AbortController().signal,
    extensions: enabledExtensions(options.disableExtensions),
    admission: options.admission ?? new Admission(),
    waits: new QueueWaits(),
    queues: new QueueCache(),
  };
  const advertised = { [EXTENSIONS_HEADER]: extensionsHeader(state.extensions) };
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const { accessLog } = options;

  async function heartbeat(): Promise<Reply> {
    const healthy = await options.storage.healthy().catch(() => false);
    // A full disk still answers (reads go on): 200, and the body says so.
    return healthy
      ? { status: 200, body: { status: 'ok', ...full.heartbeat() }, headers: advertised }
      : {
          status: 503,
          body: errorBody({ storage: STORAGE_UNAVAILABLE_MESSAGE }),
          headers: advertised,
        };
  }

  async function respond(request: ServedRequest, peer: Peer): Promise<Reply> {
    try {
      const { method } = request;
      if ((method === 'GET' || method === 'HEAD') && pathOf(request.url) === '/__heartbeat__') {
        return await heartbeat();
      }
      const { status, body, headers } = await dispatch(state, request, peer);
      return { status, body, headers: headers ?? {} };
    } catch (thrown) {
      // A failed storage call answers by its code (404, 503, 507, 500).
      const error = isStorageError(thrown) ? storageHttpError(thrown) : thrown;
      if (error instanceof HttpError || (isQueueyServerError(error) && 'status' in error)) {
        const http = error as HttpError;
        if (http.status >= 500 && http.cause !== undefined) onError(http.cause);
        return { status: http.status, body: errorBody(http.errorMsg), headers: http.headers };
      }
      onError(error);
      return { status: 500, body: errorBody({ server: 'Internal server error.' }), headers: {} };
    }
  }

  /** The answer's text and headers; logs the request. */
  function finish(request: ServedRequest, reply: Reply, started: number) {
    const headers: Record<string, string> = { ...JSON_HEADERS, ...reply.headers };
    // While closing, ask the client not to reuse the connection so close() need not wait.
    if (state.closing.aborted) headers.connection = 'close';
    const text = request.method === 'HEAD' ? null : bodyText(reply.body);
    if (accessLog) {
      accessLog({
        method: request.method,
        // The query holds no secrets (keys travel only in Authorization); cut for size.
        path: targetOf(request.url).slice(0, 300),
        status: reply.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
    return { headers, text };
  }

  const app: QueueyApp = {
    handle(incoming, response) {
      const started = performance.now();
      const request = fromNode(incoming, response);
      void respond(request, peerOf(incoming.socket))
        .then((reply) => {
          const { headers, text } = finish(request, reply, started);
          // A body left unread (a 413) is not drained: the connection closes after the answer.
          if (!request.complete) headers.connection = 'close';
          const bytes = text === null ? undefined : Buffer.from(text);
          if (bytes) headers['content-length'] = String(bytes.byteLength);
          response.writeHead(reply.status, headers);
          response.end(bytes);
        })
        .catch((error: unknown) => {
          onError(error);
          response.destroy();
        });
    },
    async fetch(request, env) {
      const started = performance.now();
      const served = fromWeb(request);
      const reply = await respond(served, peerOf(env?.incoming?.socket));
      const { headers, text } = finish(served, reply, started);
      return new Response(text, { status: reply.status, headers });
    },
    request(input, init) {
      const request =
        typeof input === 'string'
          ? new Request(new URL(input, 'http://localhost'), init)
          : new Request(input, init);
      return app.fetch(request);
    },
  };
  return app;
}

function bodyText(body: unknown): string {
  return body instanceof JsonText ? body.text : JSON.stringify(body);
}

function errorBody(errorMsg: Record<string, string>) {
  return { status: 'error', error_msg: errorMsg };
}

/** Path and query of a request target, also of an absolute one. */
function targetOf(url: string): string {
  if (url.startsWith('/')) return url;
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
