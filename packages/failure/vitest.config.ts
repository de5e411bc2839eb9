import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'failure',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
  },
});
