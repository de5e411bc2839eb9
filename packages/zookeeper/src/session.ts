import { type Clock, systemClock } from '@qdo/common';
import zookeeper, { type Client, type Event, type Stat } from 'node-zookeeper-client';
import { ZookeeperConnectionError } from './errors.js';
import { connectionManager, watchHandshake, watchRefusals } from './watchdogs.js';

const { CreateMode, Exception } = zookeeper;

export type Watcher = (event: Event) => void;
type Callback<T> = (error: unknown, value: T) => void;

/** How long the client waits (at most, randomised) before it tries another server. */
const SPIN_DELAY = 200;

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
      /** Default SPIN_DELAY. */
      spinDelay?: number;
      /** Called once when the servers answer but will not resume the session (see watchRefusals). */
      onUnresumable?: () => void;
      clock?: Pick<Clock, 'monotonic'>;
    },
  ) {
    this.hosts = hosts;
    this.client = zookeeper.createClient(hosts, {
      sessionTimeout: options.sessionTimeout,
      spinDelay: options.spinDelay ?? SPIN_DELAY,
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
