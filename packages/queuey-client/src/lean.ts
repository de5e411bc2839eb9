// The hot requests (a worker's reads and long-polls, its status PUT, a
// producer's single plain post) on Node go through node:http(s) with a
// keep-alive agent instead of ky over fetch:
// there, fetch's Request, Response and streams cost several times the CPU of
// the whole request on node:http (BENCHMARKS.md, "Client request path: A/B"),
// and on a small machine shared with the server that CPU is latency. The
// node modules are imported lazily through a specifier bundlers do not
// follow (as in ca-fetch.ts): in a browser there is no lean path, and ky
// sends every request.
import type { AnswerHeaders, RawAnswer } from './answer.js';

type Http = typeof import('node:http');
type Https = typeof import('node:https');
type Incoming = import('node:http').IncomingMessage;

const load = <T>(specifier: string): Promise<T> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;

export interface LeanRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  /** Milliseconds for the whole exchange, answer body included. */
  timeout: number;
  signal: AbortSignal | undefined;
}

/** Sends one request; rejects as fetch would (a timeout is an error named TimeoutError). */
export type LeanSend = (request: LeanRequest) => Promise<RawAnswer>;

/** The lean sender on Node; undefined elsewhere (browsers, workers, Deno without node:http). */
export async function createLeanSend(
  ca: string | Uint8Array | undefined,
): Promise<LeanSend | undefined> {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  try {
    const [http, https] = await Promise.all([load<Http>('node:http'), load<Https>('node:https')]);
    const agents: Record<string, import('node:http').Agent> = {
      'http:': new http.Agent({ keepAlive: true }),
      'https:': new https.Agent({
        keepAlive: true,
        ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : Buffer.from(ca) }),
      }),
    };
    return (request) => send(request.url.protocol === 'https:' ? https : http, agents, request);
  } catch {
    return undefined;
  }
}

function send(
  module: Http | Https,
  agents: Record<string, import('node:http').Agent>,
  request: LeanRequest,
): Promise<RawAnswer> {
  const { method, url, body, signal } = request;
  const headers =
    body === undefined
      ? request.headers
      : { ...request.headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise<RawAnswer>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const settle = (error: unknown, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(timedOut ? timeoutError(request.timeout) : error);
    };
    const req = module.request(
      url,
      { method, headers, agent: agents[url.protocol], ...(signal ? { signal } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => settle(undefined, answer(res, text)));
        res.on('error', settle);
        res.on('close', () => {
          if (!res.complete)
            settle(new Error('the connection closed before the answer was complete'));
        });
      },
    );
    // One timer for the whole exchange, answer body included.
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
      settle(undefined);
    }, request.timeout);
    req.on('error', settle);
    req.end(body);
  });
}

function timeoutError(timeout: number): Error {
  const error = new Error(`no answer within ${timeout} ms`);
  error.name = 'TimeoutError';
  return error;
}

function answer(res: Incoming, text: string): RawAnswer {
  const headers: AnswerHeaders = {
    get(name) {
      const value = res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
  return {
    status: res.statusCode ?? 502,
    statusText: res.statusMessage ?? '',
    contentType: headers.get('content-type') ?? '',
    text,
    headers,
  };
}
