import { QueueyServerError } from './errors.js';

type PostgresModule = typeof import('./storage/postgres.js');

/**
 * The PostgreSQL storage, imported on demand: `pg` is an optional peer
 * dependency, so a SQLite-only install has no `pg` and must never load it.
 */
export async function loadPostgresStorage(): Promise<PostgresModule> {
  try {
    return await import('./storage/postgres.js');
  } catch (error) {
    if (isMissingPg(error)) {
      throw new QueueyServerError(
        'QUEUEY_SERVER_PG_MISSING',
        'PostgreSQL storage needs the pg package, which is not installed: run `npm install pg` (or `pnpm add pg`) next to @qdo/queuey-server',
        { cause: error },
      );
    }
    throw error;
  }
}

function isMissingPg(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    /Cannot find (package|module) 'pg'/.test(message)
  );
}
