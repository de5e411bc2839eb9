export type { LoadConfigOptions } from './config/index.js';
export { loadConfig } from './config/index.js';
export type {
  PartitionPolicy,
  PartitionsOptions,
  QdoConfig,
  QueueyOptions,
  WorkerOptions,
  ZookeeperOptions,
} from './config/options.js';
export { DEFAULTS } from './config/options.js';
export {
  CliError,
  ConfigError,
  ExitError,
  HookError,
  isCliError,
  UsageError,
} from './errors.js';
export type { HookSpec } from './hooks.js';
export { loadHook, parseHookSpec } from './hooks.js';
