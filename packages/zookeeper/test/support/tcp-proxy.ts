import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP relay to `target` that a test can cut, like a network partition. */
export interface TcpProxy {
  /** `127.0.0.1:<port>` to connect to instead of the target. */
  readonly address: string;
  /** Drops every relayed connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /**
   * Goes silent: holds every byte in both directions, and any close, without
   * closing anything (no FIN, no RST), like a link that black-holes traffic.
   * New connections are accepted and held the same way.
   */
  stall(): void;
  /** Ends a stall: delivers what was held (closes included) and relays again. */
  unstall(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  let stalled = false;
  /** What a stall held back, in the order it arrived. */
  let held: (() => void)[] = [];
  const later = (action: () => void) => {
    if (stalled) held.push(action);
    else action();
  };
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => later(() => to.write(chunk)));
      from.on('close', () => later(() => to.destroy()));
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    address: `127.0.0.1:${port}`,
    cut: () => {
      open = false;
      dropAll();
    },
    restore: () => {
      open = true;
    },
    stall: () => {
      stalled = true;
    },
    unstall: () => {
      stalled = false;
      const actions = held;
      held = [];
      for (const action of actions) action();
    },
    close: async () => {
      held = [];
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
