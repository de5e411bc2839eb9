import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'queuey-server',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
});
