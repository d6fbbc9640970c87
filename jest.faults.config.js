// Fault injection against the built services started as processes, under a mixed load:
// kill -9, NATS, Redis and PostgreSQL outages (on servers private to the run, never the
// shared ones), and a second instance of every app with one killed. A few minutes in CI.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'faults',
  testMatch: ['**/*.faults-spec.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
