import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type HostAllowList, isLoopbackAddress, normalizeHostName } from '@qdo/common';
import { DashboardError } from './errors.js';

/** Shorter tokens can be guessed; 16 characters is `openssl rand -hex 8`. */
export const MIN_TOKEN_LENGTH = 16;

const optionError = (message: string) => new DashboardError(message, 'QDO_DASHBOARD_OPTIONS');

/**
 * Checks the security options before anything listens: a token where one
 * is needed and long enough, and host names that are names. Returns the
 * allowed Host names in the form a Host header carries them.
 */
export function securityOptions(options: {
  host: string;
  token?: string | undefined;
  allowedHosts: readonly string[];
}): string[] {
  const { host, token } = options;
  if (!isLoopbackAddress(host) && !token)
    throw optionError(
      `binding ${host} (not loopback) needs a token (--token or QDO_DASHBOARD_TOKEN)`,
    );
  // The token itself is never repeated: it would end up in logs.
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw optionError(
      `the dashboard token (--token or QDO_DASHBOARD_TOKEN) must be at least ${MIN_TOKEN_LENGTH} characters, e.g. from openssl rand -hex 16`,
    );
  return options.allowedHosts.map((name) => {
    const normal = normalizeHostName(name);
    if (normal === undefined)
      throw optionError(
        `allowed host "${name}" is not a host name: give a name or an IP address without scheme or port, e.g. dash.example.com`,
      );
    return normal;
  });
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export type Verdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Sessions and CSRF without server-side state: the session cookie is a
 * random id signed with a per-process secret, and the CSRF token is another
 * signature of that id. Only pages served to a session hold its token, and
 * a cross-site form or fetch can neither read it nor send the cookie
 * (SameSite=Strict) nor forge the Origin.
 */
export class Security {
  readonly #secret = randomBytes(32);
  // Cookies ignore ports: a name per process keeps two dashboards on one host apart.
  readonly #cookie = `qdo_dashboard_${randomBytes(4).toString('hex')}`;
  readonly #token: string | undefined;
  readonly #hosts: HostAllowList;

  constructor(options: { token: string | undefined; hosts: HostAllowList }) {
    this.#token = options.token;
    this.#hosts = options.hosts;
  }

  #sign(purpose: string, id: string): string {
    return createHmac('sha256', this.#secret).update(`${purpose}:${id}`).digest('base64url');
  }

  /** The session id of a request's valid cookie, if any. */
  session(req: IncomingMessage): string | undefined {
    const cookie = req.headers.cookie ?? '';
    const match = new RegExp(`(?:^|;\\s*)${this.#cookie}=([\\w-]+)\\.([\\w-]+)`).exec(cookie);
    if (!match) return undefined;
    const [, id = '', mac = ''] = match;
    return same(mac, this.#sign('session', id)) ? id : undefined;
  }

  newSession(): { id: string; cookie: string } {
    const id = randomBytes(18).toString('base64url');
    return {
      id,
      cookie: `${this.#cookie}=${id}.${this.#sign('session', id)}; HttpOnly; SameSite=Strict; Path=/`,
    };
  }

  csrfFor(session: string): string {
    return this.#sign('csrf', session);
  }

  /**
   * Blocks DNS rebinding: a page of another site whose name resolves to
   * this machine sends its own name as Host, which no allow-list holds.
   */
  checkHost(req: IncomingMessage): Verdict {
    if (this.#hosts.allows(req.headers.host)) return { ok: true };
    const shown = JSON.stringify((req.headers.host ?? '').slice(0, 100));
    return {
      ok: false,
      status: 421,
      reason: `this dashboard does not answer to Host ${shown}; its operator may allow a name with --allowed-host`,
    };
  }

  /** A token given in `?token=` or `Authorization: Bearer`; true when none is required. */
  tokenGiven(req: IncomingMessage, url: URL): boolean {
    if (this.#token === undefined) return true;
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const given = auth ?? url.searchParams.get('token') ?? '';
    return same(given, this.#token);
  }

  /** Every POST: a session, its CSRF token in X-CSRF-Token, our own Origin, JSON. */
  checkAction(req: IncomingMessage, session: string | undefined): Verdict {
    if (!session)
      return { ok: false, status: 401, reason: 'no session: open the dashboard page first' };
    const csrf = req.headers['x-csrf-token'];
    if (typeof csrf !== 'string' || !same(csrf, this.csrfFor(session)))
      return { ok: false, status: 403, reason: 'missing or wrong CSRF token' };
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      return { ok: false, status: 403, reason: `cross-origin request from ${origin}` };
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin')
      return { ok: false, status: 403, reason: `cross-site request (${site})` };
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return { ok: false, status: 415, reason: 'actions take application/json' };
    return { ok: true };
  }
}
