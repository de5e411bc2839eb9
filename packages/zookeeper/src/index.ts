export { assignPartitions } from './assign.js';
export type { ZookeeperErrorCode } from './errors.js';
export {
  isZookeeperError,
  ZookeeperConfigError,
  ZookeeperConnectionError,
  ZookeeperError,
} from './errors.js';
export type { ZkClock, ZkLogger, ZkPartitionerOptions } from './options.js';
export { ZkPartitioner } from './partitioner.js';
export type { PartyMember, ReadPartyOptions } from './party.js';
export { readParty } from './party.js';
