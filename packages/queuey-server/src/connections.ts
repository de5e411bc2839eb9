/**
 * Guards a listening server against clients that hold connections without
 * finishing requests (slowloris): header, request and keep-alive timeouts,
 * and a connection limit. At the limit a new connection is still accepted
 * and another one makes room, so one client holding many sockets cannot
 * lock everybody else out. In order, oldest first: a connection with no
 * request in progress that never carried a valid key (half-sent, idle, an
 * anonymous reader's); then one holding anonymous long-polls (answered 503,
 * then closed); then an idle connection of a key holder. Only when none is
 * left is the new connection refused: requests of key holders in progress,
 * their held reads included, are never cut (admission.ts bounds the held
 * ones). Reaching the limit is logged (at most every 10 s).
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

/** What the guard asks about a connection (admission.ts's Admission answers). */
export interface ConnectionRoles {
  /** It carried a request with a valid key. */
  isTrusted(connection: string): boolean;
  holdsAnonymous(connection: string): boolean;
  /** Answers its anonymous held reads (503) so that it closes. */
  shed(connection: string): void;
  /** It closed. */
  forget(connection: string): void;
}

const LOG_EVERY_MS = 10_000;
// A connection whose held reads were answered closes after the answer; this is for one that does not read it.
const SHED_GRACE_MS = 1_000;

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

/** The one name of a connection, shared by a TLS socket and the TCP socket beneath it. */
export function connectionKey(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** Tracks connections and applies the limit; returns how many are open (for tests). */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  admission: ConnectionRoles,
  logger: ServerLogger,
) {
  // Oldest (least recently used) first: a Map keeps insertion order.
  const open = new Map<string, Tracked>();
  let loggedAt = Number.NEGATIVE_INFINITY;
  const made = { closed: 0, answered: 0, refused: 0 };

  server.on('connection', (socket: Socket) => {
    const key = connectionKey(socket);
    open.set(key, { socket, key, busy: 0 });
    socket.once('close', () => {
      open.delete(key);
      admission.forget(key);
    });
    if (open.size <= limits.maxConnections) return;
    made[makeRoom(open, socket, admission)]++;
    const now = performance.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      logger.warn(
        'connection limit reached: closing idle connections, then answering anonymous long-polls, before refusing (slow, stuck or flooding clients?)',
        { max_connections: limits.maxConnections, ...made },
      );
    }
  });
  server.on('request', (request, response) => {
    const tracked = open.get(connectionKey(request.socket));
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

/** Frees one connection for `newcomer` (see the top of this file); says how. */
function makeRoom(
  open: ReadonlyMap<string, Tracked>,
  newcomer: Socket,
  admission: ConnectionRoles,
): 'closed' | 'answered' | 'refused' {
  const others = [...open.values()].filter((t) => t.socket !== newcomer);
  const idle = others.filter((t) => t.busy === 0);
  const victim = idle.find((t) => !admission.isTrusted(t.key));
  if (victim) {
    victim.socket.destroy();
    return 'closed';
  }
  const anonymous = others.find((t) => admission.holdsAnonymous(t.key));
  if (anonymous) {
    admission.shed(anonymous.key);
    setTimeout(() => anonymous.socket.destroy(), SHED_GRACE_MS).unref();
    return 'answered';
  }
  const trusted = idle[0];
  if (trusted) {
    trusted.socket.destroy();
    return 'closed';
  }
  newcomer.destroy();
  return 'refused';
}
