import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'queuey-client',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
  },
});
