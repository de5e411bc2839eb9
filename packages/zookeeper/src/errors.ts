/** Base of every error this package throws; check by `instanceof` or `name`. */
export class ZookeeperError extends Error {
  override name = 'ZookeeperError';
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** Options that cannot work (bad connection string, negative wait...). */
export class ZookeeperConfigError extends ZookeeperError {
  override name = 'ZookeeperConfigError';

  constructor(message: string) {
    super(message, { code: 'QDO_ZK_CONFIG' });
  }
}

/** No ZooKeeper server answered in time. */
export class ZookeeperConnectionError extends ZookeeperError {
  override name = 'ZookeeperConnectionError';
  readonly connection: string;

  constructor(connection: string, timeout: number) {
    super(
      `could not connect to ZooKeeper at ${connection} within ${timeout} ms; is the server running and the [zookeeper] connection right?`,
      { code: 'QDO_ZK_CONNECTION' },
    );
    this.connection = connection;
  }
}

const NAMES = new Set(['ZookeeperError', 'ZookeeperConfigError', 'ZookeeperConnectionError']);

/** True for this package's errors, even from another copy of the package. */
export function isZookeeperError(error: unknown): error is ZookeeperError {
  return error instanceof ZookeeperError || (error instanceof Error && NAMES.has(error.name));
}
