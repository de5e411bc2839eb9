import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'dashboard',
    include: ['test/**/*.test.ts'],
    // The pages are served from the browser bundle: build it when src/ui is newer.
    globalSetup: ['test/build-ui.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One Chromium at a time: the machine is shared.
    fileParallelism: false,
  },
});
