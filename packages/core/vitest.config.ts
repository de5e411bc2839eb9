import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Integration tests talk HTTP to a real server on a machine shared with other builds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
