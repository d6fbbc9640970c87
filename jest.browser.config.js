// The admin console in Debian's Chromium (playwright-core), against the built services started as processes.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'browser',
  testMatch: ['**/*.browser-spec.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
