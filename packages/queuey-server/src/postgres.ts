/**
 * @qdo/queuey-server/postgres: the PostgreSQL storage, for running many
 * Queuey servers on one database. A second entry so that the main one never
 * loads pg unless a postgres:// storage is asked for.
 *
 *   const storage = await openPostgresStorage({ url: 'postgres://queuey@db/queuey' });
 *   await startServer({ storage, applications: { queuey: KEY } });
 */
export type { PostgresPoolOptions, PostgresStorageOptions } from './storage/postgres.js';
export { openPostgresStorage, PostgresStorage } from './storage/postgres.js';
export type { Migration } from './storage/postgres-migrations.js';
export { LATEST_VERSION, MIGRATIONS, migrate } from './storage/postgres-migrations.js';
