export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { GeneratedId, IdGenerator } from './ids.js';
export {
  epochMsFromTime,
  formatTimestamp,
  idTicks,
  isMessageId,
  isUuidHex,
  newIdGenerator,
  newMessageId,
  ticksToTimestamp,
  timeFromEpochMs,
  timeFromEpochSeconds,
  timestampToTicks,
  UUID_EPOCH_OFFSET,
  uuidFromTime,
  uuidTime,
} from './ids.js';
export type { ConfigProblem, IniDocument, IniEntry, IniSection } from './ini.js';
export { expandEnv, formatProblem, parseIni } from './ini.js';
