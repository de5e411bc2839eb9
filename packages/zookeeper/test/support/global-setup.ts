import { startZkServer } from '@qdo/test-utils';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the ZooKeeper every test file shares (no chroot). */
    zkConnection: string;
  }
}

/**
 * One ZooKeeper for the whole run: QDO_TEST_ZK when set, otherwise a fresh
 * standalone server. Without Java/ZooKeeper this throws, so the suite fails
 * with the install hint instead of passing without having tested anything.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.QDO_TEST_ZK;
  if (external) {
    project.provide('zkConnection', external);
    return async () => undefined;
  }
  const server = await startZkServer();
  project.provide('zkConnection', server.connection);
  return () => server.close();
}
