export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export {
  BOOKKEEPING_PARTITIONS,
  BOOKKEEPING_TTL,
  ERROR_QUEUE,
  STATUS_QUEUE,
} from './constants.js';
export {
  isQdoError,
  JobFailureError,
  JobTimeoutError,
  QdoConfigError,
  QdoError,
  toError,
} from './errors.js';
export type { Job, JobContext, JobFailure, Message } from './hooks.js';
export type { Logger, LoggerOptions } from './logger.js';
export { createLogger, workerName } from './logger.js';
export { parsePartition, partitionName } from './partition-name.js';
export type { Partitioner, PartitionerHost } from './partitioner.js';
export { isRetryLater, RETRY_LATER, RetryLater } from './retry-later.js';
export { isStopWorker, STOP_WORKER, StopWorker } from './stop-worker.js';
