/**
 * The request as the handlers see it: method, target, headers, a body read
 * under a limit, and a signal for a client that goes away. Served straight
 * from node:http (`fromNode`, what the server uses: no web Request is built)
 * or from a web Request (`fromWeb`, for `app.fetch`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.js';

/** Request headers; names lower case, a repeated header's values joined by ", " (as web Headers). */
export interface RequestHeaders {
  get(name: string): string | null;
  /** Every header, by name in ascending order. */
  forEach(callback: (value: string, name: string) => void): void;
}

export interface ServedRequest {
  readonly method: string;
  /** The request target: path and query, or an absolute URL. */
  readonly url: string;
  readonly headers: RequestHeaders;
  /** Aborted when the client goes away before its answer was sent. */
  readonly signal: AbortSignal;
  /** The whole body, or 413 as soon as it is known to exceed `limit` bytes. */
  body(limit: number): Promise<Uint8Array>;
}

/** A web Request (`app.fetch`). */
export function fromWeb(request: Request): ServedRequest {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    signal: request.signal,
    body: (limit) => readWebBody(request, limit),
  };
}

async function readWebBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = declaredLength(request.headers);
  if (declared > limit) throw errors.tooLarge(limit);
  if (declared >= 0) {
    // A declared length bounds the body (an HTTP parser holds the client to
    // it): read it whole, without a stream reader; the check after covers the rest.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw errors.tooLarge(limit);
    return bytes;
  }
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw errors.tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const declaredLength = (headers: RequestHeaders) =>
  Number(headers.get('content-length') ?? Number.NaN);

/** A node:http request; `response` tells when the client went away. */
export function fromNode(incoming: IncomingMessage, response: ServerResponse): NodeRequest {
  return new NodeRequest(incoming, response);
}

export class NodeRequest implements ServedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: RequestHeaders;
  readonly #incoming: IncomingMessage;
  #controller: AbortController | undefined;
  #gone = false;

  constructor(incoming: IncomingMessage, response: ServerResponse) {
    this.#incoming = incoming;
    this.method = incoming.method ?? 'GET';
    this.url = incoming.url ?? '/';
    this.headers = new NodeHeaders(incoming.rawHeaders);
    response.once('close', () => {
      if (response.writableFinished) return;
      this.#gone = true;
      this.#controller?.abort(new Error('The client closed the connection.'));
    });
  }

  /** The whole request arrived: the connection can carry another one after the answer. */
  get complete(): boolean {
    return this.#incoming.complete;
  }

  // Made on first use: most requests are answered without anyone listening.
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#gone) this.#controller.abort(new Error('The client closed the connection.'));
    }
    return this.#controller.signal;
  }

  body(limit: number): Promise<Uint8Array> {
    if (declaredLength(this.headers) > limit) return Promise.reject(errors.tooLarge(limit));
    const incoming = this.#incoming;
    // Read once only: a stream already read to its end would never end again.
    if (incoming.readableEnded) return Promise.reject(new Error('the body was read already'));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (error?: unknown) => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onGone);
        incoming.off('close', onGone);
        if (error) reject(error);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size <= limit) return void chunks.push(chunk);
        // The rest is not read: the answer closes the connection (see app.ts).
        incoming.pause();
        done(errors.tooLarge(limit));
      };
      const onEnd = () => {
        done();
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      };
      // Nobody reads the answer; an HttpError below 500 is not logged as a bug.
      const onGone = () => done(errors.badRequest({ body: 'The body ended early.' }));
      incoming.on('data', onData);
      incoming.once('end', onEnd);
      incoming.once('error', onGone);
      incoming.once('close', onGone);
    });
  }
}

/** Headers from node's raw list, so repeats join as web Headers join them. */
class NodeHeaders implements RequestHeaders {
  readonly #raw: string[];
  #byName: Map<string, string> | undefined;

  constructor(raw: string[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    return this.#map().get(name) ?? null;
  }

  forEach(callback: (value: string, name: string) => void): void {
    const map = this.#map();
    for (const name of [...map.keys()].sort()) callback(map.get(name) as string, name);
  }

  #map(): Map<string, string> {
    if (this.#byName) return this.#byName;
    const map = new Map<string, string>();
    const raw = this.#raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = (raw[i + 1] as string).trim();
      const before = map.get(name);
      map.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    this.#byName = map;
    return map;
  }
}
