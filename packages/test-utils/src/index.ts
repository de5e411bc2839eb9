export { makeCertificate } from './certificate.js';
export { freePort } from './free-port.js';
export type { PostgresCluster } from './postgres-cluster.js';
export { findPostgresBin, INSTALL_HINT, startPostgresCluster } from './postgres-cluster.js';
export type { WaitOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
export type { ZkServer, ZkServerOptions } from './zk-server.js';
export { assertZooKeeperInstalled, ready as zkReady, startZkServer } from './zk-server.js';
