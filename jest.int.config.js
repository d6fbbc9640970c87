// Integration tests on real PostgreSQL, NATS JetStream and Redis, each isolated by
// its own schema, key prefix and subject prefix, so files may run in parallel.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'int',
  testMatch: ['**/*.int-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
