// Node's global fetch (undici) takes no `ca` and undici is not a dependency,
// so with `ca` we send requests through node:https with an Agent that trusts
// that bundle. The node modules are imported only here, lazily, through a
// specifier bundlers do not follow: browser builds never load them.
import { QueueyError } from './errors.js';

type Https = typeof import('node:https');
type Http = typeof import('node:http');
type Stream = typeof import('node:stream');

const load = <T>(specifier: string): Promise<T> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;

const NULL_BODY = new Set([101, 204, 205, 304]);

export async function createCaFetch(ca: string | Uint8Array): Promise<typeof globalThis.fetch> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new QueueyError(
      'the `ca` option works on Node only; in a browser, trust the CA in the system instead',
      { code: 'QUEUEY_CLIENT_INVALID_OPTIONS' },
    );
  }
  const [https, http, stream] = await Promise.all([
    load<Https>('node:https'),
    load<Http>('node:http'),
    load<Stream>('node:stream'),
  ]);
  const agent = new https.Agent({
    ca: typeof ca === 'string' ? ca : Buffer.from(ca),
    keepAlive: true,
  });

  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const url = new URL(request.url);
    const outgoing: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      outgoing[key] = value;
    });
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        {
          method: request.method,
          headers: outgoing,
          signal: request.signal,
          ...(url.protocol === 'https:' ? { agent } : {}),
        },
        (res) => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
          }
          const status = res.statusCode ?? 502;
          const empty = NULL_BODY.has(status) || request.method === 'HEAD';
          if (empty) res.resume();
          const web = empty ? null : (stream.Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(web, { status, statusText: res.statusMessage ?? '', headers }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}
