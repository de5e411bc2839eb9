/**
 * Test helpers for the PostgreSQL storage: the run's database URL (from the
 * globalSetup, see postgres-global-setup.ts) and a fresh PostgreSQL schema
 * per test (@qdo/test-utils' createPostgresSchema), dropped afterwards, so
 * tests never see each other's rows.
 */
import { createPostgresSchema, INSTALL_HINT, type PostgresSchema } from '@qdo/test-utils';
import { inject } from 'vitest';
import {
  openPostgresStorage,
  type PostgresStorage,
  type PostgresStorageOptions,
} from '../../src/storage/postgres.js';

/** The database URL of this test run; throws (failing the test) when there is none. */
export function postgresUrl(): string {
  const provided = inject('queueyPostgres');
  if (!provided) {
    throw new Error(
      'No PostgreSQL for this test run: add test/support/postgres-global-setup.ts to ' +
        `globalSetup in vitest.config.ts. ${INSTALL_HINT}`,
    );
  }
  if ('error' in provided) throw new Error(`PostgreSQL did not start: ${provided.error}`);
  return provided.url;
}

export interface TestSchema extends PostgresSchema {
  /** Opens a storage in this schema (each call: a separate pool, like another server). */
  open(options?: Partial<PostgresStorageOptions>): Promise<PostgresStorage>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const db = await createPostgresSchema(postgresUrl());
  return {
    ...db,
    open: (options) => openPostgresStorage({ url: db.url, schema: db.schema, ...options }),
  };
}

/**
 * For the shared suites: a storage in a fresh schema on `clock`; cleanup()
 * closes it and drops the schema.
 */
export async function openInTestSchema<K extends { now(): number }>(clock: K) {
  const db = await createTestSchema();
  try {
    const storage = await db.open();
    return {
      storage,
      clock,
      async cleanup() {
        await storage.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
