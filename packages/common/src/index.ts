export type { BackoffOptions } from './backoff.js';
export { backoff } from './backoff.js';
export { endOnBrokenPipe } from './broken-pipe.js';
export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { CommonErrorCode } from './errors.js';
export { CodedError, isCodedError, isCommonError, nameErrors, QdoCommonError } from './errors.js';
export { HostAllowList, isLoopbackAddress, LOOPBACK_HOSTS, normalizeHostName } from './host.js';
export type { GeneratedId, IdGenerator } from './ids.js';
export {
  epochMsFromTime,
  formatTimestamp,
  idTicks,
  isMessageId,
  isUuidHex,
  newIdGenerator,
  newMessageId,
  randomUuidAt,
  ticksToTimestamp,
  timeFromEpochMs,
  timeFromEpochSeconds,
  timestampToTicks,
  UUID_EPOCH_OFFSET,
  uuidFromTime,
  uuidTime,
} from './ids.js';
export type { ConfigProblem, IniDocument, IniEntry, IniSection, ParseIniOptions } from './ini.js';
export { expandEnv, formatProblem, parseIni } from './ini.js';
export type { ListenTarget } from './listen.js';
export { listenProblem } from './listen.js';
export type {
  ErrorFields,
  LogFields,
  LogFormat,
  Logger,
  LoggerOptions,
  LogLevel,
  LogMethod,
} from './log.js';
export {
  createLogger,
  errorFields,
  LOG_FORMATS,
  LOG_LEVELS,
  logEnabled,
  silentLogger,
} from './log.js';
