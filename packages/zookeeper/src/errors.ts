import { CodedError, isCodedError, nameErrors } from '@qdo/common';

/** The codes of @qdo/zookeeper's errors. */
export type ZookeeperErrorCode = 'QDO_ZK_ERROR' | 'QDO_ZK_CONFIG' | 'QDO_ZK_CONNECTION';

/** Base of every error this package throws; check by `instanceof` or `name`. */
export class ZookeeperError extends CodedError<ZookeeperErrorCode> {
  static override readonly code: ZookeeperErrorCode = 'QDO_ZK_ERROR';
}

/** Options that cannot work (bad connection string, negative wait...). */
export class ZookeeperConfigError extends ZookeeperError {
  static override readonly code = 'QDO_ZK_CONFIG';
}

/** No ZooKeeper server answered in time. */
export class ZookeeperConnectionError extends ZookeeperError {
  static override readonly code = 'QDO_ZK_CONNECTION';
  readonly connection: string;

  constructor(connection: string, timeout: number) {
    super(
      `could not connect to ZooKeeper at ${connection} within ${timeout} ms; is the server running and the [zookeeper] connection right?`,
    );
    this.connection = connection;
  }
}

const NAMES = nameErrors({ ZookeeperError, ZookeeperConfigError, ZookeeperConnectionError });

/** True for this package's errors, even from another copy of the package. */
export function isZookeeperError(error: unknown): error is ZookeeperError {
  return isCodedError(error, ZookeeperError, NAMES);
}
