import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

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
  readonly #loopback: boolean;

  constructor(options: { token: string | undefined; host: string }) {
    this.#token = options.token;
    this.#loopback = isLoopback(options.host);
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
   * Blocks DNS rebinding on loopback (a page of another site resolving its
   * name to 127.0.0.1 would send that name as Host).
   */
  checkHost(req: IncomingMessage): Verdict {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (this.#loopback && !isLoopback(host))
      return { ok: false, status: 421, reason: `Host ${host} is not this dashboard` };
    return { ok: true };
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
