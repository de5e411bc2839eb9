import { ZookeeperConfigError } from './errors.js';

export interface ParsedConnection {
  /** `host:port,host:port` without the chroot. */
  hosts: string;
  /** Absolute path every node of this package lives under, '' for the root. */
  root: string;
}

/**
 * Splits `host:port[,host:port...][/chroot]`. We apply the chroot ourselves
 * (rather than through the client) so that a missing chroot can be created.
 */
export function parseConnection(connection: string): ParsedConnection {
  const text = connection.trim();
  const slash = text.indexOf('/');
  const hosts = slash === -1 ? text : text.slice(0, slash);
  const root = slash === -1 ? '' : text.slice(slash).replace(/\/+$/, '');
  const list = hosts.split(',').map((h) => h.trim());
  if (list.length === 0 || list.some((h) => !/^[^\s:/]+(:\d{1,5})?$/.test(h))) {
    throw new ZookeeperConfigError(
      `ZooKeeper connection '${connection}' is not a list of host:port (e.g. '127.0.0.1:2181,10.0.0.2:2181/mozilla-qdo')`,
    );
  }
  if (
    root !== '' &&
    root
      .split('/')
      .slice(1)
      .some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new ZookeeperConfigError(
      `ZooKeeper chroot '${root}' in connection '${connection}' must be an absolute path such as /mozilla-qdo`,
    );
  }
  return {
    hosts: list.map((h) => (h.includes(':') ? h : `${h}:2181`)).join(','),
    root,
  };
}
