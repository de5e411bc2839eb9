// The list of vitest projects. Vitest 4 no longer reads this file by itself:
// the root vitest.config.mts passes it to `test.projects`.
export default [
  'packages/common',
  'packages/queuey-server',
  'packages/queuey-client',
  'packages/core',
  'packages/failure',
  'packages/cli',
  'packages/zookeeper',
  'packages/dashboard',
  'tests/reliability',
];
