export { ERROR_PARTITIONS, errorPartition } from './error-partition.js';
export type { ReplayOptions } from './error-queue.js';
export { ErrorQueue } from './error-queue.js';
export type { FailureErrorCode } from './errors.js';
export {
  FailureOptionError,
  isFailureError,
  QdoFailureError,
  ReplayError,
} from './errors.js';
export type { FailedMessage, FailureFilter } from './failed-message.js';
export type { FailureInfo } from './failure-info.js';
export { MAX_STACK } from './failure-info.js';
export { describeFailure, formatError } from './format.js';
export type { FailureGroup } from './groups.js';
export { groupFailures, messagePattern } from './groups.js';
export type { FailureHook } from './hook.js';
export type { FailureLogger, LogFailureOptions } from './log-failure.js';
export { createLogFailure, logFailure } from './log-failure.js';
export type { RetryOptions } from './retry.js';
export { retry } from './retry.js';
export type { SaveFailedMessageOptions } from './save-failed-message.js';
export {
  createSaveFailedMessage,
  ERROR_TTL,
  saveFailedMessage,
} from './save-failed-message.js';
