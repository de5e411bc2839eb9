/**
 * The Queuey v1 HTTP app (QUEUEY_API.md), not listening: `startServer` serves
 * it, tests may call `app.request()` directly.
 */
import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { Admission } from './admission.js';
import { connectionKey } from './connections.js';
import {
  HttpError,
  isQueueyServerError,
  STORAGE_UNAVAILABLE_MESSAGE,
  storageHttpError,
} from './errors.js';
import { Authenticator } from './http/auth.js';
import type { AppState } from './http/context.js';
import { EXTENSIONS_HEADER, enabledExtensions, extensionsHeader } from './http/extensions.js';
import { QueueWaits } from './http/queue-waits.js';
import { dispatch } from './http/router.js';
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

export function createApp(options: AppOptions): Hono {
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
  };
  const advertised = { [EXTENSIONS_HEADER]: extensionsHeader(state.extensions) };
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const app = new Hono();
  const { accessLog } = options;
  if (accessLog) {
    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      const url = new URL(c.req.url);
      accessLog({
        method: c.req.method,
        // The query holds no secrets (keys travel only in Authorization); cut for size.
        path: `${url.pathname}${url.search}`.slice(0, 300),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
  }

  app.on(['GET', 'HEAD'], '/__heartbeat__', async (c) => {
    const healthy = await options.storage.healthy().catch(() => false);
    // A full disk still answers (reads go on): 200, and the body says so.
    return healthy
      ? answer(c.req.raw, 200, { status: 'ok', ...full.heartbeat() }, advertised)
      : answer(c.req.raw, 503, errorBody({ storage: STORAGE_UNAVAILABLE_MESSAGE }), advertised);
  });

  app.all('*', async (c) => {
    // Served by @hono/node-server the request comes with its socket; app.request() has none.
    const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
    const peer = {
      connection: socket ? connectionKey(socket) : undefined,
      address: socket?.remoteAddress,
    };
    const { status, body, headers } = await dispatch(state, c.req.raw, peer);
    // While closing, ask the client not to reuse the connection so close() need not wait.
    const close: Record<string, string> = state.closing.aborted ? { connection: 'close' } : {};
    return answer(c.req.raw, status, body, { ...headers, ...close });
  });

  app.onError((thrown, c) => {
    // A failed storage call answers by its code (404, 503, 507, 500).
    const error = isStorageError(thrown) ? storageHttpError(thrown) : thrown;
    if (error instanceof HttpError || (isQueueyServerError(error) && 'status' in error)) {
      const http = error as HttpError;
      if (http.status >= 500 && http.cause !== undefined) onError(http.cause);
      return answer(c.req.raw, http.status, errorBody(http.errorMsg), http.headers);
    }
    onError(error);
    return answer(c.req.raw, 500, errorBody({ server: 'Internal server error.' }));
  });

  return app;
}

function errorBody(errorMsg: Record<string, string>) {
  return { status: 'error', error_msg: errorMsg };
}

function answer(
  request: Request,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const text = request.method === 'HEAD' ? null : JSON.stringify(body);
  return new Response(text, { status, headers: { ...JSON_HEADERS, ...headers } });
}
