import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'zookeeper',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Every file shares one ZooKeeper server; some tests stop and restart it.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
