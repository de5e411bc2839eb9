import ky from 'ky';
import { type RawAnswer, type ReadAnswer, readAnswer } from './answer.js';
import { createCaFetch } from './ca-fetch.js';
import { QueueyConnectionError, QueueyTimeoutError } from './errors.js';
import { classify, type Failure, sickAnswer } from './failures.js';
import type { ResolvedOptions } from './options.js';
import { ServerPool } from './servers.js';
import type { RequestOptions } from './types.js';
import { buildUrl, heartbeatUrl, redact } from './url.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export type Target = { path: string } | { heartbeat: true };

type Attempt = { server: URL; url: string } & (
  | { failure: Failure; answer?: undefined }
  | { answer: RawAnswer; failure?: undefined }
);

/**
 * Sends one logical request with failover and retries. ky sends each single
 * attempt (its own retry is off, as it cannot switch servers). A round tries
 * every server once; up to `retries` more rounds follow after a back-off.
 * A server that cannot answer, or answers as a sick one does (500/502/503/504,
 * see sickAnswer), cools down and the next one is asked. A POST moves on only
 * when the server cannot have received it (a refused connection, or a 503).
 */
export class Transport {
  readonly #options: ResolvedOptions;
  readonly #pool: ServerPool;
  #fetch: Promise<typeof globalThis.fetch> | undefined;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#pool = new ServerPool({
      servers: options.servers,
      cooldown: options.cooldown,
      // A cool-down is a deadline: elapsed time, not the wall clock.
      now: () => options.clock.monotonic(),
    });
  }

  /** The server the next request goes to first (without credentials). */
  get server(): string {
    return redact(this.#pool.order()[0] as URL);
  }

  async request<T = unknown>(
    method: Method,
    target: Target,
    options: RequestOptions = {},
    read: ReadAnswer<T> = readAnswer as ReadAnswer<T>,
  ): Promise<T> {
    const { retries, retryDelay, clock } = this.#options;
    const timeout = this.#options.timeout + (options.extraTimeout ?? 0);
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
            return read(sent.answer, method, shown);
          }
          this.#pool.failed(server);
          // A POST that a server may have taken in is not sent again: its error answer throws.
          if (sick === 'fail') return read(sent.answer, method, shown);
          attempts.push({ server, url: shown, answer: sent.answer });
          continue;
        }
        this.#pool.failed(server);
        attempts.push({ server, url: shown, failure: sent.failure });
        if (method === 'POST' && !(await this.#notReceived(sent.failure, server))) {
          throw postFailure(sent.failure, shown, timeout);
        }
      }
    }
    return finalError(method, attempts, { timeout, retries, read });
  }

  /**
   * Whether a failed POST cannot have reached the server. A refused connection
   * says so. A connection closed without any answer says so only when the
   * server now refuses connections too: it was stopping, closed the idle
   * keep-alive connection the request went out on, and (stopping gracefully)
   * would have answered a request it had accepted.
   */
  async #notReceived(failure: Failure, server: URL): Promise<boolean> {
    if (failure.kind !== 'broken') return failure.kind === 'not-received';
    const probe = await this.#send(
      'HEAD',
      heartbeatUrl(server),
      Math.min(this.#options.timeout, 1000),
      {},
    );
    return !probe.ok && probe.failure.kind === 'not-received';
  }

  async #send(method: Method, url: URL, timeout: number, options: RequestOptions) {
    const timer = AbortSignal.timeout(timeout);
    const signal = options.signal ? AbortSignal.any([timer, options.signal]) : timer;
    try {
      const response = await ky(url, {
        method,
        headers: this.#headers(options),
        body: options.form ? formBody(options.form) : options.body,
        json: options.json,
        signal,
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
        fetch: await this.#getFetch(),
      });
      const text = await response.text();
      options.onHeaders?.(response.headers);
      const answer: RawAnswer = {
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get('content-type') ?? '',
        text,
        headers: response.headers,
      };
      return { ok: true as const, answer };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      return { ok: false as const, failure: classify(error, timer.aborted) };
    }
  }

  #headers(options: RequestOptions): Record<string, string> {
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

function finalError<T>(
  method: Method,
  attempts: Attempt[],
  details: { timeout: number; retries: number; read: ReadAnswer<T> },
): never {
  const { timeout, retries } = details;
  const last = attempts[attempts.length - 1] as Attempt;
  // Every server answered, but sick: the last answer's HTTP error says the most.
  if (attempts.every((a) => a.answer)) {
    details.read(last.answer as RawAnswer, method, last.url);
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
