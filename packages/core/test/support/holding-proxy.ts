/**
 * An HTTP proxy in front of the real server that holds the requests a test
 * picks (their answer comes only once the test lets them go): a server that
 * is slow for those requests alone, seen from the worker over the network.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingProxy {
  /** e.g. 'http://127.0.0.1:40123', no trailing slash. */
  url: string;
  /** Requests held now. */
  readonly held: number;
  /** Requests that were held, in all. */
  readonly heldInAll: number;
  /** Lets the held requests (and later ones) through. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(
  target: string,
  hold: (method: string, path: string, body: string) => boolean,
): Promise<HoldingProxy> {
  const { hostname, port } = new URL(target);
  let held = 0;
  let heldInAll = 0;
  let released = false;
  const waiting: (() => void)[] = [];
  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = () => {
        const out = request(
          {
            hostname,
            port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (reply) => {
            answer.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(answer);
          },
        );
        out.on('error', () => answer.destroy());
        out.end(body);
      };
      const method = incoming.method ?? 'GET';
      if (released || !hold(method, incoming.url ?? '', body.toString())) return forward();
      held += 1;
      heldInAll += 1;
      waiting.push(() => {
        held -= 1;
        forward();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get held() {
      return held;
    },
    get heldInAll() {
      return heldInAll;
    },
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
