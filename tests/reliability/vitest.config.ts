import { defineProject } from 'vitest/config';

// RELIABILITY_LONG=1 runs the long form (more rounds, messages and seconds).
const long = process.env.RELIABILITY_LONG === '1';

export default defineProject({
  test: {
    name: 'reliability',
    include: ['test/**/*.test.ts'],
    // Child processes and real servers on a 2-core machine shared with other builds.
    testTimeout: long ? 900_000 : 120_000,
    hookTimeout: 60_000,
    // The load and crash tests measure and kill processes: one file at a time.
    fileParallelism: false,
    setupFiles: ['test/support/setup.ts'],
  },
});
