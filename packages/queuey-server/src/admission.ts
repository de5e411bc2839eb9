/**
 * Admission of held reads (`wait` long-polls): a budget of its own, apart
 * from the connection limit, so reads that hold a connection for up to
 * `maxWait` seconds can never take every connection. Anonymous readers (of
 * `public` queues) get the smallest share, per client address and in total;
 * each application gets a share too. A read past a budget is answered at once
 * with 429 (its own share is used up) or 503 (a total is) and `Retry-After`.
 *
 * It also tells the connection guard which connections carried an
 * authenticated request and which hold anonymous reads, so at the connection
 * limit those are closed (or answered) before anything of a worker's.
 */
import { CONNECTION_DEFAULTS } from './connections.js';
import { HttpError } from './errors.js';

export interface AdmissionLimits {
  /** Held reads at once, in total; below `maxConnections`, whose rest is the reserve. */
  maxHeldWaits: number;
  /** Held reads at once of one application (the keys of an app share it). */
  maxHeldWaitsPerKey: number;
  /** Held reads at once without a key (readers of `public` queues), in total. */
  maxAnonymousWaits: number;
  /** Held reads at once without a key from one client address (IPv6: its /64). */
  maxAnonymousWaitsPerClient: number;
  /** Seconds a refused read is told to wait at least (`Retry-After`: 1 to 2 times this). */
  waitRetryAfter: number;
}

export const ADMISSION_DEFAULTS = {
  // Two thirds of the default 768 connections: 256 stay for everything else.
  maxHeldWaits: 512,
  // Half the total: one application cannot crowd out the others.
  maxHeldWaitsPerKey: 256,
  // A quarter of the total: anonymous readers never take the workers' share.
  maxAnonymousWaits: 128,
  // Below a browser's 6 connections per host; 32 clients before the total.
  maxAnonymousWaitsPerClient: 4,
  // A held read lasts up to maxWait (30 s), so a slot seldom frees sooner; 670
  // refused pollers coming back after 5 to 10 s make about 90 requests/s.
  waitRetryAfter: 5,
} satisfies AdmissionLimits;

/** Each limit, and the one it may not exceed ('maxConnections' is the connection limit). */
const BOUNDS: Record<keyof AdmissionLimits, keyof AdmissionLimits | 'maxConnections' | undefined> =
  {
    maxHeldWaits: 'maxConnections',
    maxHeldWaitsPerKey: 'maxHeldWaits',
    maxAnonymousWaits: 'maxHeldWaits',
    maxAnonymousWaitsPerClient: 'maxAnonymousWaits',
    waitRetryAfter: undefined,
  };

/** The limits with defaults filled in; a bad value throws one line naming the option. */
export function admissionLimits(
  given: Partial<AdmissionLimits>,
  maxConnections: number,
  fail: (message: string) => Error,
): AdmissionLimits {
  const limits: AdmissionLimits = { ...ADMISSION_DEFAULTS };
  for (const name of Object.keys(BOUNDS) as (keyof AdmissionLimits)[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw fail(`${name} must be a positive integer, got ${value}`);
    }
    limits[name] = value;
  }
  for (const name of Object.keys(BOUNDS) as (keyof AdmissionLimits)[]) {
    const over = BOUNDS[name];
    if (!over) continue;
    const [bound, boundDefault] =
      over === 'maxConnections'
        ? [maxConnections - 1, CONNECTION_DEFAULTS.maxConnections - 1]
        : [limits[over], ADMISSION_DEFAULTS[over]];
    if (limits[name] <= bound) continue;
    // A default above a smaller bound keeps its share of it (a client's is
    // a count, not a share: cut to the bound), so one number suffices.
    if (given[name] === undefined) {
      limits[name] =
        name === 'maxAnonymousWaitsPerClient'
          ? bound
          : Math.max(1, Math.floor((bound * ADMISSION_DEFAULTS[name]) / boundDefault));
      if (limits[name] <= bound) continue;
    }
    throw fail(
      over === 'maxConnections'
        ? `maxHeldWaits (${limits[name]}) must be below maxConnections (${maxConnections}): held reads may not take every connection`
        : `${name} (${limits[name]}) must not be more than ${over} (${bound})`,
    );
  }
  return limits;
}

/** Who asks to hold a read. */
export interface Holder {
  /** The application(s) whose key the request carried; undefined when it carried none. */
  key: string | undefined;
  /** The client's address (see clientOf). */
  client: string;
  /** The connection (connections.ts connectionKey); undefined outside a server (app.request). */
  connection: string | undefined;
}

/** An admitted held read; dispose it when the read is answered. */
export interface HeldWait extends Disposable {
  /** Aborted, with the HttpError to answer, when the read is ended early. */
  readonly signal: AbortSignal;
}

/** The budgets, and which connections hold what. */
export class Admission {
  readonly limits: AdmissionLimits;
  #total = 0;
  #anonymous = 0;
  readonly #perKey = new Map<string, number>();
  readonly #perClient = new Map<string, number>();
  /** Connection -> its anonymous held reads (oldest connection first). */
  readonly #anonymousOn = new Map<string, Set<AbortController>>();
  readonly #trusted = new Set<string>();

  constructor(limits: AdmissionLimits = ADMISSION_DEFAULTS) {
    this.limits = limits;
  }

  /** Held reads now: in total and without a key. */
  get held(): { total: number; anonymous: number } {
    return { total: this.#total, anonymous: this.#anonymous };
  }

  /** Admits a held read or throws the 429/503 to answer at once. */
  admit(holder: Holder): HeldWait {
    this.#check(holder);
    const { key, client, connection } = holder;
    const controller = new AbortController();
    this.#total++;
    if (key === undefined) {
      this.#anonymous++;
      bump(this.#perClient, client, 1);
      if (connection !== undefined) {
        const set = this.#anonymousOn.get(connection) ?? new Set();
        set.add(controller);
        this.#anonymousOn.set(connection, set);
      }
    } else bump(this.#perKey, key, 1);
    let released = false;
    return {
      signal: controller.signal,
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        this.#total--;
        if (key !== undefined) return bump(this.#perKey, key, -1);
        this.#anonymous--;
        bump(this.#perClient, client, -1);
        if (connection !== undefined) this.#dropAnonymous(connection, controller);
      },
    };
  }

  #check({ key, client }: Holder): void {
    const { limits } = this;
    // A refused anonymous reader is to come back later: its connection is not kept meanwhile.
    const close: Record<string, string> = key === undefined ? { connection: 'close' } : {};
    if (key === undefined) {
      const mine = this.#perClient.get(client) ?? 0;
      if (mine >= limits.maxAnonymousWaitsPerClient) {
        throw this.refusal(
          429,
          `This client already holds ${mine} reads without a key (the limit)`,
          close,
          ' or read with an application key',
        );
      }
      if (this.#anonymous >= limits.maxAnonymousWaits) {
        const what = `The server holds its limit of ${limits.maxAnonymousWaits} reads without a key`;
        throw this.refusal(503, what, close);
      }
    } else if ((this.#perKey.get(key) ?? 0) >= limits.maxHeldWaitsPerKey) {
      const what = `This application already holds ${limits.maxHeldWaitsPerKey} reads (the limit)`;
      throw this.refusal(429, what);
    }
    if (this.#total >= limits.maxHeldWaits) {
      throw this.refusal(503, `The server holds its limit of ${limits.maxHeldWaits} reads`, close);
    }
  }

  /**
   * The answer to a read not held (or no longer), in the server's error
   * scheme. Retry-After is spread over 1 to 2 times the setting, so readers
   * refused together do not all come back together.
   */
  refusal(
    status: 429 | 503,
    what: string,
    headers: Record<string, string> = {},
    hint = '',
  ): HttpError {
    const base = this.limits.waitRetryAfter;
    const seconds = base + Math.floor(Math.random() * (base + 1));
    return new HttpError(
      status,
      { wait: `${what}; retry after ${seconds} s${hint}.` },
      { headers: { 'retry-after': String(seconds), ...headers } },
    );
  }

  /** This connection carried a request with a valid key: it is closed last at the limit. */
  trust(connection: string | undefined): void {
    if (connection !== undefined) this.#trusted.add(connection);
  }

  isTrusted(connection: string): boolean {
    return this.#trusted.has(connection);
  }

  holdsAnonymous(connection: string): boolean {
    return this.#anonymousOn.has(connection);
  }

  /** Answers the anonymous held reads of a connection 503 and closes it after the answer. */
  shed(connection: string): void {
    const holds = this.#anonymousOn.get(connection);
    this.#anonymousOn.delete(connection);
    const answer = this.refusal(
      503,
      'The server is at its connection limit and ended this read to serve others',
      { connection: 'close' },
    );
    for (const controller of holds ?? []) controller.abort(answer);
  }

  /** A connection closed. */
  forget(connection: string): void {
    this.#trusted.delete(connection);
    this.#anonymousOn.delete(connection);
  }

  #dropAnonymous(connection: string, controller: AbortController): void {
    const set = this.#anonymousOn.get(connection);
    if (!set?.delete(controller) || set.size > 0) return;
    this.#anonymousOn.delete(connection);
  }
}

function bump(counts: Map<string, number>, name: string, by: number): void {
  const next = (counts.get(name) ?? 0) + by;
  if (next > 0) counts.set(name, next);
  else counts.delete(name);
}

/**
 * The client an address stands for: IPv4 as is (also when mapped into IPv6);
 * IPv6 by its /64, the block one host usually has, so a host cannot pick a
 * new address per read.
 */
export function clientOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1] as string;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const front = head === '' ? [] : head.split(':');
  const back = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back]
    : front;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
