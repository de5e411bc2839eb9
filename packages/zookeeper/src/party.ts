import { parseConnection } from './connection.js';
import { defaults } from './options.js';
import { ZkSession } from './session.js';

export interface PartyMember {
  /** The worker's identifier (its node's name, URI-decoded). */
  identifier: string;
  /** Partitions whose lock node this member holds, sorted. */
  partitions: string[];
}

export interface ReadPartyOptions {
  /** How long to wait for a connection, in ms; default 30000. */
  connectTimeout?: number;
  /** ZooKeeper session timeout in ms; default 10000. */
  sessionTimeout?: number;
}

/**
 * A read-only look at what ZkPartitioner maintains under the connection's
 * chroot: the members of `<chroot>/party` and the owners of the lock nodes
 * `<chroot>/locks/<partition>`. Opens a session, reads, closes it; creates
 * nothing (a missing party is an empty one).
 */
export async function readParty(
  connection: string = defaults.connection,
  options: ReadPartyOptions = {},
): Promise<PartyMember[]> {
  const { hosts, root } = parseConnection(connection);
  const session = new ZkSession(hosts, {
    sessionTimeout: options.sessionTimeout ?? defaults.sessionTimeout,
  });
  try {
    await session.connect(options.connectTimeout ?? defaults.connectTimeout);
    const names = (await session.list(`${root}/party`)).sort();
    const locks = (await session.list(`${root}/locks`)).sort();
    const owners = await Promise.all(locks.map((p) => session.read(`${root}/locks/${p}`)));
    const members = names.map((name): PartyMember => {
      let identifier = name;
      try {
        identifier = decodeURIComponent(name);
      } catch {}
      return { identifier, partitions: [] };
    });
    const byId = new Map(members.map((m) => [m.identifier, m]));
    locks.forEach((partition, i) => {
      const owner = owners[i];
      if (owner !== undefined) byId.get(owner)?.partitions.push(partition);
    });
    return members;
  } finally {
    session.close();
  }
}
