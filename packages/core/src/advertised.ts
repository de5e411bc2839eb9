import type { PositionsFetch } from './long-poll.js';
import type { QueueyClient } from './queuey-types.js';

/** What the worker uses of a server's extensions. */
export interface Server {
  holds?: boolean;
  fetch?: PositionsFetch;
}

/**
 * What the server advertises (`client.extensions()` where the client has
 * it): `wait` (holds reads) and `positions` (the multi-partition fetch).
 * A server that advertises nothing leaves `holds` to the first probe's timing.
 */
export async function advertised(queuey: QueueyClient): Promise<Server> {
  const client = queuey as unknown as {
    extensions?: () => Promise<ReadonlySet<string>>;
    fetch?: PositionsFetch;
  };
  if (typeof client.extensions !== 'function') return {};
  try {
    const extensions = await client.extensions();
    if (extensions.size === 0) return {};
    const fetch =
      extensions.has('positions') && typeof client.fetch === 'function'
        ? (client.fetch.bind(client) as PositionsFetch)
        : undefined;
    return { holds: extensions.has('wait'), fetch };
  } catch {
    return {};
  }
}
