// The services started as processes from the build, driven over HTTP.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'e2e',
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
};
