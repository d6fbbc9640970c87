// The built services on clusters the tier starts itself, on ports of their own: a Redis Cluster
// of six redis-server processes, a three-node NATS cluster with JetStream (the events stream at
// three replicas), two instances of every app; under the fault tier's mixed load, a Redis
// master, a NATS node and one instance of each app killed -9 in turn. A few minutes in CI.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'cluster',
  testMatch: ['**/*.cluster-spec.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
