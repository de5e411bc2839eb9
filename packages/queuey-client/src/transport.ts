import ky, { type HTTPError, isHTTPError, type KyInstance } from 'ky';
import { type Answer, type RawAnswer, readAnswer } from './answer.js';
import { createCaFetch } from './ca-fetch.js';
import { QueueyConnectionError, QueueyTimeoutError } from './errors.js';
import { classify, type Failure, sickAnswer } from './failures.js';
import { createLeanSend, type LeanSend } from './lean.js';
import type { ResolvedOptions } from './options.js';
import { ServerPool } from './servers.js';
import type { RequestOptions } from './types.js';
import { buildUrl, heartbeatUrl, redact } from './url.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export type Target = { path: string } | { heartbeat: true };

/** How a request is sent, beside what it says. */
export interface SendOptions extends RequestOptions {
  /**
   * A hot request (a message read or long-poll, a status PUT, a post) with
   * at most a string body: on Node, without a `fetch` option, it
   * goes the lean way (lean.ts); the answer and errors are the same.
   */
  hot?: boolean;
}

type Sent = { ok: true; answer: RawAnswer } | { ok: false; failure: Failure };

type Attempt = { server: URL; url: string } & (
  | { failure: Failure; answer?: undefined }
  | { answer: RawAnswer; failure?: undefined }
);

/** ky's most: a timer of setTimeout's range. */
const MAX_TIMEOUT = 2_147_483_647;

/**
 * Sends one logical request with failover and retries. ky sends each single
 * attempt, with its own timeout, and throws its HTTPError for an answer
 * outside 2xx, which one mapping turns back into the answer (httpAnswer)
 * that readAnswer makes our typed error of. ky's retry is off: it cannot
 * switch servers, and the failover loop here can. A round tries every
 * server once; up to `retries` more rounds follow after a back-off. A server
 * that cannot answer, or answers as a sick one does (500/502/503/504, see
 * sickAnswer), cools down and the next one is asked. A POST moves on only
 * when the server cannot have received it (a refused connection, or a 503).
 */
export class Transport {
  readonly #options: ResolvedOptions;
  readonly #pool: ServerPool;
  readonly #ky: KyInstance;
  #fetch: Promise<typeof globalThis.fetch> | undefined;
  #lean: Promise<LeanSend | undefined> | undefined;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#pool = new ServerPool({
      servers: options.servers,
      cooldown: options.cooldown,
      // A cool-down is a deadline: elapsed time, not the wall clock.
      now: () => options.clock.monotonic(),
    });
    this.#ky = ky.create({
      retry: 0,
      throwHttpErrors: true,
      headers: options.authorization ? { authorization: options.authorization } : {},
    });
  }

  /** The server the next request goes to first (without credentials). */
  get server(): string {
    return redact(this.#pool.order()[0] as URL);
  }

  async request<T = unknown>(
    method: Method,
    target: Target,
    options: SendOptions = {},
  ): Promise<Answer<T>> {
    const { retries, retryDelay, clock } = this.#options;
    const timeout = Math.min(this.#options.timeout + (options.extraTimeout ?? 0), MAX_TIMEOUT);
    let attempts: Attempt[] = [];
    for (let round = 0; round <= retries; round++) {
      if (round > 0) {
        await clock.sleep(retryDelay(round), options.signal);
        options.signal?.throwIfAborted();
      }
      attempts = [];
      for (const server of this.#pool.order()) {
        const url =
          'heartbeat' in target
            ? heartbeatUrl(server)
            : buildUrl(server, target.path, options.params);
        const shown = redact(url);
        const sent = await this.#send(method, url, timeout, options);
        if (sent.ok) {
          const sick = sickAnswer(sent.answer.status, method);
          if (sick === 'healthy') {
            this.#pool.succeeded(server);
            return read<T>(sent.answer, method, shown);
          }
          this.#pool.failed(server);
          // A POST that a server may have taken in is not sent again: its error answer throws.
          if (sick === 'fail') return read<T>(sent.answer, method, shown);
          attempts.push({ server, url: shown, answer: sent.answer });
          continue;
        }
        this.#pool.failed(server);
        attempts.push({ server, url: shown, failure: sent.failure });
        if (method === 'POST' && !(await this.#notReceived(sent.failure, server, options))) {
          throw postFailure(sent.failure, shown, timeout);
        }
      }
    }
    return finalError(method, attempts, { timeout, retries });
  }

  /**
   * Whether a failed POST cannot have reached the server. A refused connection
   * says so. A connection closed without any answer says so only when the
   * server now refuses connections too: it was stopping, closed the idle
   * keep-alive connection the request went out on, and (stopping gracefully)
   * would have answered a request it had accepted.
   */
  async #notReceived(failure: Failure, server: URL, options: SendOptions): Promise<boolean> {
    if (failure.kind !== 'broken') return failure.kind === 'not-received';
    // The probe goes the way the POST went: that path's idle connections are the ones found closed.
    const probe = await this.#send(
      'HEAD',
      heartbeatUrl(server),
      Math.min(this.#options.timeout, 1000),
      { hot: options.hot },
    );
    return !probe.ok && probe.failure.kind === 'not-received';
  }

  /** One attempt at one server: its answer (any status), or why there is none. */
  async #send(method: Method, url: URL, timeout: number, options: SendOptions): Promise<Sent> {
    try {
      const lean = await this.#leanFor(url, options);
      const answer = lean
        ? await lean({
            ...{ method, url, timeout, signal: options.signal, body: options.body },
            headers: this.#leanHeaders(options),
          })
        : await this.#viaKy(method, url, timeout, options);
      return { ok: true, answer };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (isHTTPError(error)) return { ok: true, answer: await httpAnswer(error) };
      return { ok: false, failure: classify(error, isTimeout(error)) };
    }
  }

  async #viaKy(method: Method, url: URL, timeout: number, options: SendOptions) {
    const response = await this.#ky(url, {
      method,
      headers: { accept: 'application/json', ...options.headers },
      body: options.form ? formBody(options.form) : options.body,
      json: options.json,
      signal: options.signal,
      timeout,
      fetch: await this.#getFetch(),
    });
    return rawAnswer(response, await response.text());
  }

  /** The lean sender for a hot request it can carry, else undefined (ky sends it). */
  #leanFor(url: URL, options: SendOptions): Promise<LeanSend | undefined> | undefined {
    if (!options.hot || options.json !== undefined || options.form || this.#options.fetch) {
      return undefined;
    }
    // fetch refuses a URL with credentials; so does the lean path, by leaving it to fetch.
    if (url.username || url.password) return undefined;
    this.#lean ??= createLeanSend(this.#options.ca);
    return this.#lean;
  }

  #leanHeaders(options: SendOptions): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#options.authorization) headers.authorization = this.#options.authorization;
    return headers;
  }

  #getFetch(): Promise<typeof globalThis.fetch> {
    const { ca, fetch } = this.#options;
    this.#fetch ??= fetch
      ? Promise.resolve(fetch)
      : ca
        ? createCaFetch(ca)
        : Promise.resolve(globalThis.fetch.bind(globalThis));
    return this.#fetch;
  }
}

/** The answer as the client reads it, from a fetch Response whose body was read. */
function rawAnswer(response: Response, text: string): RawAnswer {
  return {
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get('content-type') ?? '',
    text,
    headers: response.headers,
  };
}

/**
 * ky's HTTPError back into the answer it carries, for readAnswer to make our
 * typed error of (the HTTPError itself holds the request, app key included,
 * so it never leaves this file).
 */
async function httpAnswer(error: HTTPError): Promise<RawAnswer> {
  const text = await error.response.text().catch(() => '');
  return rawAnswer(error.response, text);
}

/** ky's TimeoutError, and the lean path's, which is named alike. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function read<T>(answer: RawAnswer, method: string, url: string): Answer<T> {
  return { data: readAnswer(answer, method, url) as T, headers: answer.headers };
}

function formBody(form: NonNullable<RequestOptions['form']>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    if (value !== undefined) body.set(key, String(value));
  }
  return body;
}

function postFailure(failure: Failure, url: string, timeout: number): Error {
  const note = 'not retried: the server may have received it (check before posting again)';
  if (failure.kind === 'timeout') {
    return new QueueyTimeoutError(`POST ${url} got no answer within ${timeout} ms; ${note}`, {
      method: 'POST',
      url,
      timeout,
    });
  }
  return new QueueyConnectionError(
    `POST ${url} failed after sending (${failure.cause.message}); ${note}`,
    { url, cause: failure.cause },
  );
}

function finalError(
  method: Method,
  attempts: Attempt[],
  details: { timeout: number; retries: number },
): never {
  const { timeout, retries } = details;
  const last = attempts[attempts.length - 1] as Attempt;
  // Every server answered, but sick: the last answer's HTTP error says the most.
  if (attempts.every((a) => a.answer)) {
    readAnswer(last.answer as RawAnswer, method, last.url);
  }
  const servers = attempts.map((a) => a.url).join(', ');
  const tries = `${retries + 1} time${retries === 0 ? '' : 's'}`;
  if (attempts.every((a) => a.failure?.kind === 'timeout')) {
    throw new QueueyTimeoutError(
      `${method} got no answer within ${timeout} ms from any Queuey server (tried ${servers}, ${tries}); raise \`timeout\` or check the servers`,
      { method, url: last.url, timeout },
    );
  }
  const reasons = attempts
    .map((a) => `${a.url}: ${a.failure ? a.failure.cause.message : `answered ${a.answer.status}`}`)
    .join('; ');
  throw new QueueyConnectionError(
    `${method} could not reach ${attempts.some((a) => a.answer) ? 'a healthy' : 'any'} Queuey server (tried ${attempts.length} server${attempts.length === 1 ? '' : 's'}, ${tries}): ${reasons}; check \`connection\` and that a server is running`,
    { url: last.url, cause: last.failure?.cause },
  );
}
