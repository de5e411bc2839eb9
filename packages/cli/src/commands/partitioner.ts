import { ManualPartitioner, type Partitioner } from '@qdo/core';
import type { QdoConfig } from '../config/options.js';
import { ExitError } from '../errors.js';

interface ZookeeperModule {
  ZookeeperPartitioner: new (options: { connection: string; partyWait: number }) => Partitioner;
}

/** `manual` and `all` live in @qdo/core; `automatic` in the optional @qdo/zookeeper. */
export async function loadPartitioner(config: QdoConfig): Promise<Partitioner> {
  const { policy, ids } = config.partitions;
  if (policy !== 'automatic') return new ManualPartitioner(policy === 'all' ? [] : ids);
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
  return new zookeeper.ZookeeperPartitioner({
    connection: config.zookeeper.connection,
    partyWait: config.zookeeper.partyWait,
  });
}
