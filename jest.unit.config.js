// Pure, fast tests: no network, no servers.
module.exports = { ...require('./jest.preset.js'), displayName: 'unit', testMatch: ['**/*.spec.ts', '**/*.spec.tsx'] };
