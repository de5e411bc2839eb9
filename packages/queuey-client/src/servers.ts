import { isLocal } from './url.js';

/**
 * Which server to ask first. The preference order is fixed at construction:
 * local servers first (a co-located Queuey is the cheapest to reach), each
 * group shuffled so that many clients spread over a cluster. A server that
 * failed drops behind the healthy ones until its cool-down has passed, and is
 * still tried last rather than not at all.
 */
export class ServerPool {
  readonly #servers: URL[];
  readonly #failedAt = new Map<URL, number>();
  readonly #cooldown: number;
  readonly #now: () => number;

  constructor(options: {
    servers: readonly URL[];
    cooldown: number;
    now: () => number;
    random?: () => number;
  }) {
    const random = options.random ?? Math.random;
    const local = shuffle(
      options.servers.filter((s) => isLocal(s)),
      random,
    );
    const remote = shuffle(
      options.servers.filter((s) => !isLocal(s)),
      random,
    );
    this.#servers = [...local, ...remote];
    this.#cooldown = options.cooldown;
    this.#now = options.now;
  }

  get size(): number {
    return this.#servers.length;
  }

  /** Every server once: healthy ones in preference order, then cooling ones, oldest failure first. */
  order(): URL[] {
    const now = this.#now();
    const healthy: URL[] = [];
    const cooling: URL[] = [];
    for (const server of this.#servers) {
      const failedAt = this.#failedAt.get(server);
      if (failedAt === undefined || now - failedAt >= this.#cooldown) healthy.push(server);
      else cooling.push(server);
    }
    cooling.sort((a, b) => (this.#failedAt.get(a) ?? 0) - (this.#failedAt.get(b) ?? 0));
    return [...healthy, ...cooling];
  }

  failed(server: URL): void {
    this.#failedAt.set(server, this.#now());
  }

  succeeded(server: URL): void {
    this.#failedAt.delete(server);
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
