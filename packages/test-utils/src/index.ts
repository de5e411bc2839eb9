export { makeCertificate } from './certificate.js';
export { freePort } from './free-port.js';
export type { Exit, OutputWaitOptions, SpawnOptions, Stopped } from './node-process.js';
export { NodeProcess, reapProcesses, runNode } from './node-process.js';
export type { WaitProfile, WaitSampler } from './postgres-activity.js';
export { sampleWaits } from './postgres-activity.js';
export type {
  ClusterOptions,
  OwnPostgresCluster,
  PostgresCluster,
} from './postgres-cluster.js';
export {
  findPostgresBin,
  INSTALL_HINT,
  startOwnPostgresCluster,
  startPostgresCluster,
} from './postgres-cluster.js';
export type { PostgresSchema } from './postgres-schema.js';
export { createPostgresSchema } from './postgres-schema.js';
export type { QdoWorkerOptions } from './qdo-worker.js';
export { startQdoWorker } from './qdo-worker.js';
export { QUERY_PARAMETERS } from './queuey-api.js';
export { readLines } from './read-lines.js';
export { tsxLoader } from './tsx.js';
export type { WaitOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
export type { ZkServer, ZkServerOptions } from './zk-server.js';
export { assertZooKeeperInstalled, ready as zkReady, startZkServer } from './zk-server.js';
