import { type Clock, systemClock } from '@qdo/common';
import zookeeper, { type Client, type Event, type Stat } from 'node-zookeeper-client';
import { ZookeeperConnectionError } from './errors.js';

const { CreateMode, Exception } = zookeeper;

export type Watcher = (event: Event) => void;
type Callback<T> = (error: unknown, value: T) => void;

/**
 * One ZooKeeper session: a promise face over node-zookeeper-client. A
 * session that expired is dead; the owner opens a new one.
 */
export class ZkSession {
  readonly client: Client;
  readonly hosts: string;

  constructor(
    hosts: string,
    options: {
      sessionTimeout: number;
      spinDelay: number;
      /** Called once when the servers answer but will not resume the session (see watchRefusals). */
      onUnresumable?: () => void;
      clock?: Pick<Clock, 'monotonic'>;
    },
  ) {
    this.hosts = hosts;
    this.client = zookeeper.createClient(hosts, {
      sessionTimeout: options.sessionTimeout,
      spinDelay: options.spinDelay,
      retries: 0,
    });
    const stops = [watchHandshake(this.client)];
    if (options.onUnresumable) {
      const limit = options.sessionTimeout / 2;
      const clock = options.clock ?? systemClock;
      stops.push(watchRefusals(this.client, limit, clock, options.onUnresumable));
    }
    this.#stopWatchdog = () => {
      for (const stop of stops) stop();
    };
  }

  readonly #stopWatchdog: () => void;

  /** Resolves once connected; rejects after `timeout` ms or when aborted. */
  connect(timeout: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.client.removeListener('connected', onConnected);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onConnected = () => done();
      const onAbort = () =>
        done(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(
        () => done(new ZookeeperConnectionError(this.hosts, timeout)),
        timeout,
      );
      this.client.once('connected', onConnected);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.client.connect();
    });
  }

  sessionId(): Buffer {
    return this.client.getSessionId();
  }

  /** The timeout the server granted (it clamps the one asked for to 2..20 ticks). */
  negotiatedTimeout(): number {
    return this.client.getSessionTimeout();
  }

  /**
   * Drops the socket, as the Java client does after its read timeout: the
   * library reports DISCONNECTED, fails what is in flight and reconnects,
   * which then proves the session alive (SYNC_CONNECTED) or expired.
   */
  dropConnection(): void {
    connectionManager(this.client)?.socket?.destroy();
  }

  /** Creates a node; false when it exists already. */
  create(path: string, data: string, ephemeral: boolean): Promise<boolean> {
    const mode = ephemeral ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
    return call<string>((cb) => this.client.create(path, Buffer.from(data), mode, cb)).then(
      () => true,
      (error) => (hasCode(error, Exception.NODE_EXISTS) ? false : Promise.reject(error)),
    );
  }

  /** Deletes a node; false when it was already gone. */
  remove(path: string): Promise<boolean> {
    return call<void>((cb) => this.client.remove(path, -1, (e) => cb(e, undefined))).then(
      () => true,
      (error) => (hasCode(error, Exception.NO_NODE) ? false : Promise.reject(error)),
    );
  }

  mkdirp(path: string): Promise<void> {
    return call<string>((cb) => this.client.mkdirp(path, cb)).then(() => undefined);
  }

  children(path: string, watcher: Watcher): Promise<string[]> {
    return call<string[]>((cb) => this.client.getChildren(path, watcher, cb));
  }

  /** The children of a node, or [] when it does not exist; no watch. */
  list(path: string): Promise<string[]> {
    return call<string[]>((cb) => this.client.getChildren(path, cb)).catch((error) =>
      hasCode(error, Exception.NO_NODE) ? [] : Promise.reject(error),
    );
  }

  /** A node's data as UTF-8, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined> {
    return call<Buffer | undefined>((cb) => this.client.getData(path, cb)).then(
      (data) => data?.toString('utf8') ?? '',
      (error) => (hasCode(error, Exception.NO_NODE) ? undefined : Promise.reject(error)),
    );
  }

  /** The node's stat, or null when it does not exist; the watcher fires on its next change. */
  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return call<Stat | null>((cb) =>
      watcher ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb),
    ).then((stat) => stat ?? null);
  }

  close(): void {
    this.#stopWatchdog();
    this.client.close();
  }
}

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
function watchHandshake(client: Client): () => void {
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
function watchRefusals(
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

function connectionManager(client: Client): ConnectionManager | undefined {
  const manager = (client as unknown as { connectionManager?: ConnectionManager })
    .connectionManager;
  return manager && typeof manager.on === 'function' ? manager : undefined;
}

function call<T>(run: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value)));
  });
}

function hasCode(error: unknown, code: number): boolean {
  return (
    typeof (error as { code?: unknown })?.code === 'number' &&
    (error as { code: number }).code === code
  );
}
