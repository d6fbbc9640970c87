// Property-based bad input against the built services started as processes (fast-check).
// FUZZ_RUNS sets the inputs tried per route and family (default 40, a few minutes in CI).
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'fuzz',
  testMatch: ['**/*.fuzz-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
