/** @qdo/queuey-server: the Queuey v1 server (QUEUEY_API.md) on SQLite. */

export type { AdmissionLimits } from './admission.js';
export { ADMISSION_DEFAULTS, Admission } from './admission.js';
export type { AppOptions, QueueyApp } from './app.js';
export { APP_DEFAULTS, createApp } from './app.js';
export type { ServerConfig, StorageConfig } from './config.js';
export { loadServerConfig, parseServerConfig } from './config.js';
export { CONNECTION_DEFAULTS } from './connections.js';
export type { ErrorMessages, QueueyServerErrorCode } from './errors.js';
export {
  HttpError,
  isQueueyServerError,
  QueueyServerError,
  ServerConfigError,
  UsageError,
} from './errors.js';
export { EXTENSIONS } from './http/extensions.js';
export type { LogFormat, LoggerOptions, LogLevel, ServerLogger } from './log.js';
export { createLogger } from './log.js';
export type { RunningServer, ServerOptions } from './server.js';
export { SERVER_DEFAULTS, startServer } from './server.js';
export type { SqliteStorageOptions, StorageErrorCode } from './storage/index.js';
// The message-id codec is @qdo/common's (one definition for server and worker).
export { isStorageError, openSqliteStorage, StorageError } from './storage/index.js';
export type * from './storage/types.js';
