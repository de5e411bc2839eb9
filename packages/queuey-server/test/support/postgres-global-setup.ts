/**
 * vitest globalSetup: one throwaway PostgreSQL cluster per test run, shared
 * by every PostgreSQL test file (each test works in its own schema). When the
 * cluster cannot start (e.g. PostgreSQL is not installed) the reason is
 * provided instead, so the PostgreSQL tests fail with it while the SQLite
 * tests still run; nothing passes silently.
 */

import { type PostgresCluster, startPostgresCluster } from '@qdo/test-utils';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    queueyPostgres: { url: string } | { error: string };
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  try {
    cluster = await startPostgresCluster();
    project.provide('queueyPostgres', { url: cluster.url });
  } catch (error) {
    project.provide('queueyPostgres', { error: (error as Error).message });
  }
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}
