/**
 * A TCP proxy in front of the test database, so a test can take "the
 * database" away from a storage (cut every connection, refuse new ones) and
 * bring it back, without stopping the shared cluster.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface DatabaseProxy {
  /** The database URL, going through the proxy. */
  url: string;
  /** Drops every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const s = createServer((client) => {
      const upstream = createConnection({
        host: target.hostname,
        port: Number(target.port || 5432),
      });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    const address = s.address();
    port = typeof address === 'object' && address ? address.port : port;
    server = s;
  };
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  const url = new URL(databaseUrl);
  url.port = String(port);
  return { url: url.href, cut, restore: listen, close: cut };
}
