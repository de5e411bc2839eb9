/** The names under which a browser on this machine reaches a loopback server. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** A bind address that only this machine can reach: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackAddress(address: string): boolean {
  return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i.test(address);
}

const WILDCARDS = new Set(['0.0.0.0', '[::]']);
const DNS_NAME = /^[a-z0-9_]([a-z0-9_-]*)(\.[a-z0-9_-]+)*$/i;
const BRACKETED_V6 = /^\[[0-9a-f:.]+\]$/i;
const BARE_V6 = /^[0-9a-f:.]*:[0-9a-f:.]*$/i;

/**
 * An allowed Host name as the Host header carries it: lower case, an IPv6
 * address in brackets. Undefined when `name` is no host name (a URL, a
 * port, a wildcard, a space).
 */
export function normalizeHostName(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  if (BARE_V6.test(lower)) return `[${lower}]`;
  if (BRACKETED_V6.test(lower) || DNS_NAME.test(lower)) return lower;
  return undefined;
}

/** A Host header's name (lower case, IPv6 in brackets) and port; undefined when malformed. */
function splitHost(header: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header);
  if (!match) return undefined;
  const [, name = '', port] = match;
  return { name: name.toLowerCase(), port: port === undefined ? undefined : Number(port) };
}

/**
 * The Host names a server answers to. A page of another site whose name
 * resolves to 127.0.0.1 (DNS rebinding) reaches a loopback server with its
 * own name as Host; matching names exactly, never by prefix, refuses it.
 * The loopback names count with the listening port or none; the bound
 * address and a listed name with any port, as a reverse proxy in front may
 * use its own.
 */
export class HostAllowList {
  readonly #port: number;
  readonly #names: ReadonlySet<string>;

  /**
   * `bound`: the address listened on (a wildcard adds nothing); `names`:
   * extra names, each one that `normalizeHostName` accepts.
   */
  constructor(options: { port: number; bound?: string; names?: readonly string[] }) {
    this.#port = options.port;
    const names = (options.names ?? []).map((n) => normalizeHostName(n) ?? n);
    const bound = normalizeHostName(options.bound ?? '');
    if (bound && !WILDCARDS.has(bound) && !LOOPBACK_HOSTS.includes(bound)) names.push(bound);
    this.#names = new Set(names);
  }

  allows(header: string | undefined): boolean {
    const host = splitHost(header ?? '');
    if (!host) return false;
    if (this.#names.has(host.name)) return true;
    return (
      LOOPBACK_HOSTS.includes(host.name) && (host.port === undefined || host.port === this.#port)
    );
  }
}
