import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The bins run as child processes from dist/; build it when src is newer.
    globalSetup: ['test/build-bins.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
