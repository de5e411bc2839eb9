/**
 * Guards a listening server against clients that hold connections without
 * finishing requests (slowloris): header, request and keep-alive timeouts,
 * and a connection limit. At the limit a new connection is still accepted
 * and the oldest connection with no request in progress (a half-sent
 * request, or an idle keep-alive) is closed instead, so one client holding
 * many sockets cannot lock everybody else out; held long-polls are requests
 * in progress and are kept. Reaching the limit is logged (at most every 10 s).
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerLogger } from './log.js';

export interface ConnectionLimits {
  /** Ms to receive a request's headers. */
  headersTimeout: number;
  /** Ms to receive a whole request (headers and body; not the answer). */
  requestTimeout: number;
  /** Ms an idle keep-alive connection stays open. */
  keepAliveTimeout: number;
  /** Open connections at most; keep it below the process's file limit (ulimit -n). */
  maxConnections: number;
}

export const CONNECTION_DEFAULTS = {
  headersTimeout: 10_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 5_000,
  // Below the common `ulimit -n` of 1024, leaving room for storage files.
  maxConnections: 768,
} satisfies ConnectionLimits;

const LOG_EVERY_MS = 10_000;

interface Tracked {
  socket: Socket;
  key: string;
  /** Requests in progress on this connection. */
  busy: number;
}

/** node:http server options for the timeouts (some are read only at construction). */
export function serverTimeouts(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeout,
    requestTimeout: Math.max(limits.requestTimeout, limits.headersTimeout),
    keepAliveTimeout: limits.keepAliveTimeout,
    // Timeouts are enforced by a periodic check; its default (30 s) lets them run long.
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeout),
  };
}

/** Tracks connections and applies the limit; returns how many are open (for tests). */
export function guardConnections(server: Server, limits: ConnectionLimits, logger: ServerLogger) {
  // Oldest first: a Map keeps insertion order. Keyed by the peer address and
  // port, which a TLS socket shares with the TCP socket beneath it.
  const open = new Map<string, Tracked>();
  let loggedAt = Number.NEGATIVE_INFINITY;
  let evicted = 0;
  const keyOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

  server.on('connection', (socket: Socket) => {
    const key = keyOf(socket);
    open.set(key, { socket, key, busy: 0 });
    socket.once('close', () => open.delete(key));
    if (open.size <= limits.maxConnections) return;
    const victim = [...open.values()].find((t) => t.busy === 0 && t.socket !== socket);
    (victim?.socket ?? socket).destroy();
    evicted++;
    const now = Date.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      logger.warn(
        'connection limit reached: closing the oldest connections without a request in progress (slow or stuck clients?)',
        { max_connections: limits.maxConnections, closed: evicted },
      );
    }
  });
  server.on('request', (request, response) => {
    const tracked = open.get(keyOf(request.socket));
    if (!tracked) return;
    tracked.busy++;
    // Done: it moves to the back, as the most recently used connection.
    response.once('close', () => {
      tracked.busy--;
      if (open.delete(tracked.key)) open.set(tracked.key, tracked);
    });
  });
  return { open: () => open.size };
}
