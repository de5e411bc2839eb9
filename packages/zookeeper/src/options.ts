import { hostname } from 'node:os';
import { type Clock, createLogger, type Logger, systemClock } from '@qdo/common';
import { ZookeeperConfigError } from './errors.js';

/** What the partitioner logs through: @qdo/common's logger (the worker's); `console` fits too. */
export type ZkLogger = Logger;

/** @qdo/common's clock contract (as @qdo/core's): `sleep` resolves early on abort, never rejects. */
export type ZkClock = Clock;

export interface ZkPartitionerOptions {
  /** `host:port[,host:port...][/chroot]`; default '127.0.0.1:2181/mozilla-qdo'. The chroot is created when missing. */
  connection?: string;
  /** Seconds the party (the set of workers) must stay unchanged before partitions move; default 10. */
  partyWait?: number;
  /** ZooKeeper session timeout in ms (the server clamps it to 2..20 ticks); default 10000. */
  sessionTimeout?: number;
  /** How long start() waits for a first connection, in ms; default 30000. */
  connectTimeout?: number;
  /** This worker's name in the party; default `${hostname}-${pid}`. Must be unique among the workers. */
  identifier?: string;
  logger?: ZkLogger;
  clock?: ZkClock;
}

export const defaults = {
  connection: '127.0.0.1:2181/mozilla-qdo',
  partyWait: 10,
  sessionTimeout: 10_000,
  connectTimeout: 30_000,
} satisfies ZkPartitionerOptions;

/** Warnings and errors only: a partitioner should not chatter by default. */
const quietLogger: ZkLogger = createLogger({
  name: 'qdo.zookeeper',
  level: 'warn',
  write: (line) => console.error(line),
});

export type ResolvedOptions = Required<ZkPartitionerOptions>;

export function resolveOptions(options: ZkPartitionerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    connection: options.connection ?? defaults.connection,
    partyWait: options.partyWait ?? defaults.partyWait,
    sessionTimeout: options.sessionTimeout ?? defaults.sessionTimeout,
    connectTimeout: options.connectTimeout ?? defaults.connectTimeout,
    identifier: options.identifier ?? `${hostname()}-${process.pid}`,
    logger: options.logger ?? quietLogger,
    clock: options.clock ?? systemClock,
  };
  for (const key of ['partyWait', 'sessionTimeout', 'connectTimeout'] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value < 0 || (key !== 'partyWait' && value === 0)) {
      throw new ZookeeperConfigError(
        `ZkPartitioner option ${key} must be a positive number, got ${value}`,
      );
    }
  }
  if (resolved.identifier.trim() === '') {
    throw new ZookeeperConfigError('ZkPartitioner option identifier must not be empty');
  }
  return resolved;
}
