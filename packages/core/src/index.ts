// One clock contract and one id codec for every package: @qdo/common's.
export type { Clock } from '@qdo/common';
export {
  idTicks,
  newMessageId,
  systemClock,
  ticksToTimestamp,
  timestampToTicks,
} from '@qdo/common';
export {
  BOOKKEEPING_PARTITIONS,
  BOOKKEEPING_TTL,
  ERROR_QUEUE,
  STATUS_QUEUE,
} from './constants.js';
export type { OpenContext } from './context.js';
export { openContext } from './context.js';
export { ensureBookkeepingQueues } from './discovery.js';
export {
  BatchFailedError,
  BodyParseError,
  CorruptStatusError,
  FencedError,
  isQdoError,
  JobFailureError,
  JobTimeoutError,
  QdoConfigError,
  QdoError,
  type QdoErrorCode,
  toError,
  UncleanShutdownError,
  type Unsaved,
} from './errors.js';
export type {
  BatchResult,
  HookOptions,
  Job,
  JobBatch,
  JobContext,
  JobFailure,
  JobFailureArgs,
  Message,
} from './hooks.js';
export type { Logger, LoggerOptions } from './logger.js';
export { createLogger, workerName } from './logger.js';
export { ManualPartitioner } from './manual-partitioner.js';
export type { Labels, Metrics } from './metrics.js';
export { METRIC_HELP, noopMetrics } from './metrics.js';
export { isOutage } from './outage.js';
export { parsePartition, partitionName } from './partition-name.js';
export type { PartitionStatus } from './partition-state.js';
export type { Partitioner, PartitionerHost } from './partitioner.js';
export type { PartitionProgress } from './progress.js';
export { ProgressStore, statusPartition } from './progress.js';
export type { PauseMark, StuckMark } from './progress-status.js';
export { parseStatus, statusIdOf } from './progress-status.js';
export { PrometheusMetrics } from './prometheus.js';
export { isRetryLater, RETRY_LATER, RetryLater } from './retry-later.js';
export type { BodyFormat, ResolvedSettings, SettingRule, WorkerSettings } from './settings.js';
export { defaultSettings, settingRules } from './settings.js';
export {
  type PauseResult,
  type SeekTarget,
  StatusAdmin,
  type TargetKind,
} from './status-admin.js';
export { isStopWorker, STOP_WORKER, StopWorker } from './stop-worker.js';
export { idleDelay, outageDelay, retryDelay } from './waiting.js';
export type { WorkerOptions } from './worker.js';
export { Worker } from './worker.js';
