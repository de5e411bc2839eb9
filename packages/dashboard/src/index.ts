export type {
  ErrorView,
  PartitionState,
  PartitionView,
  PartyMemberView,
  PartyView,
  QueueView,
  RatePoint,
  Snapshot,
  WorkerView,
} from './api-types.js';
export type { DashboardErrorCode } from './server/errors.js';
export { DashboardError, isDashboardError } from './server/errors.js';
export type { DashboardOptions, RunningDashboard } from './server/http.js';
export { DASHBOARD_DEFAULTS, serveDashboard } from './server/http.js';
export type { SeekTarget } from './server/seek.js';
export { seekPartition } from './server/seek.js';
