import { type Logger, ManualPartitioner, type Partitioner, workerName } from '@qdo/core';
import { AnnouncedManualPartitioner } from '../cli/manual-ids.js';
import { TrackedPartitioner } from '../cli/tracked-partitioner.js';
import type { QdoConfig } from '../config/options.js';
import { ExitError } from '../errors.js';

type ZookeeperModule = typeof import('@qdo/zookeeper');

/** The config's partitioner, telling /readyz when it has its first assignment. */
export async function loadPartitioner(
  config: QdoConfig,
  logger: Logger,
): Promise<TrackedPartitioner> {
  return new TrackedPartitioner(await choosePartitioner(config, logger));
}

/** `manual` and `all` live in @qdo/core; `automatic` in the optional @qdo/zookeeper. */
async function choosePartitioner(config: QdoConfig, logger: Logger): Promise<Partitioner> {
  const { policy, ids } = config.partitions;
  if (policy === 'all' || (policy === 'manual' && ids.length === 0))
    return new ManualPartitioner([]);
  if (policy === 'manual') return new AnnouncedManualPartitioner(ids, logger);
  // A variable specifier keeps bundlers and tsc from requiring the optional peer.
  const name = '@qdo/zookeeper';
  let zookeeper: ZookeeperModule;
  try {
    zookeeper = (await import(name)) as ZookeeperModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ExitError(
        2,
        `${config.file}: [partitions] policy: automatic needs @qdo/zookeeper, which is not installed (install it, or use policy = manual)`,
        { cause: error },
      );
    }
    throw error;
  }
  try {
    return new zookeeper.ZkPartitioner({
      connection: config.zookeeper.connection,
      partyWait: config.zookeeper.partyWait,
      identifier: workerName(config.worker.name),
      logger,
    });
  } catch (error) {
    if (zookeeper.isZookeeperError(error)) {
      throw new ExitError(2, `${config.file}: [zookeeper] ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
