/**
 * Patches for node-zookeeper-client's connection handling, reached through
 * its internal connection manager (see the package README, "Which client").
 */
import type { Clock } from '@qdo/common';
import type { Client } from 'node-zookeeper-client';

/** node-zookeeper-client's internal connection manager: only what the watchdogs need. */
interface ConnectionManager {
  state: number;
  connectTimeout: number;
  socket?: { destroy(): void };
  onSocketConnected: (...args: unknown[]) => unknown;
  on(event: 'state', listener: (state: number) => void): void;
  removeListener(event: 'state', listener: (state: number) => void): void;
}
const CONNECTING = 1;

/**
 * node-zookeeper-client stops its connect timer once TCP connects, so a
 * server that accepts the socket but never answers the handshake (ZooKeeper
 * does this while it starts up) leaves the client waiting forever. Like the
 * Java client, give the whole handshake a deadline and drop the socket after
 * it: the library then tries again.
 */
export function watchHandshake(client: Client): () => void {
  const manager = connectionManager(client);
  if (!manager) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const onState = (state: number) => {
    clearTimeout(timer);
    if (state !== CONNECTING) return;
    timer = setTimeout(
      () => {
        if (manager.state === CONNECTING) manager.socket?.destroy();
      },
      Math.max(manager.connectTimeout, 500),
    );
    timer.unref();
  };
  manager.on('state', onState);
  return () => {
    clearTimeout(timer);
    manager.removeListener('state', onState);
  };
}

const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;

/**
 * A server that answers but refuses our session never lets the library
 * reconnect: ZooKeeper closes the socket of a client that has seen a higher
 * zxid than its own (a server that lost its data) and the library tries
 * again forever, one socket after another. So: once servers have accepted
 * TCP connections but completed no handshake for `limit` ms since the first
 * of them, the session counts as unresumable and `onUnresumable` fires
 * (once). A server merely starting up costs at worst a fresh session.
 */
export function watchRefusals(
  client: Client,
  limit: number,
  clock: Pick<Clock, 'monotonic'>,
  onUnresumable: () => void,
): () => void {
  const manager = connectionManager(client);
  if (!manager) return () => undefined;
  let established = false;
  let refusedSince: number | undefined;
  let fired = false;
  const original = manager.onSocketConnected;
  manager.onSocketConnected = function (this: unknown, ...args: unknown[]) {
    refusedSince ??= clock.monotonic();
    return original.apply(this, args);
  };
  const onState = (state: number) => {
    if (state === CONNECTED || state === CONNECTED_READ_ONLY) {
      established = true;
      refusedSince = undefined;
      return;
    }
    if (state !== CONNECTING || !established || fired || refusedSince === undefined) return;
    if (clock.monotonic() - refusedSince < limit) return;
    fired = true;
    onUnresumable();
  };
  manager.on('state', onState);
  return () => {
    manager.onSocketConnected = original;
    manager.removeListener('state', onState);
  };
}

export function connectionManager(client: Client): ConnectionManager | undefined {
  const manager = (client as unknown as { connectionManager?: ConnectionManager })
    .connectionManager;
  return manager && typeof manager.on === 'function' ? manager : undefined;
}
