const path = require('node:path');
const swcOptions = require('./tools/swc-options.cjs');
const { compilerOptions } = require('./tsconfig.base.json');

// Absolute, so that a project's own config (rootDir: the project) resolves them as the tiers do.
const moduleNameMapper = {
  ...Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(__dirname, target)])),
  // the console's build-time module (apps/console/vite.config.mts), made the same way for its component tests
  '^virtual:warden-body-schemas$': path.join(__dirname, 'apps/console/tools/body-schemas.module.cjs'),
};
const swc = swcOptions();
// The console's components (TSX, React's automatic runtime); their tests run under jsdom.
const swcForTsx = { ...swc, jsc: { ...swc.jsc, parser: { ...swc.jsc.parser, tsx: true }, transform: { ...swc.jsc.transform, react: { runtime: 'automatic' } } } };

// Packages published only as ES modules (JOSE and the OAuth client the tests drive): Node
// loads them with require() as they are, jest only once SWC has made them CommonJS.
const ESM_ONLY_PACKAGES = ['jose', 'openid-client', 'oauth4webapi'];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
    '^.+\\.tsx$': ['@swc/jest', { ...swcForTsx, swcrc: false }],
    [`/node_modules/(${ESM_ONLY_PACKAGES.join('|')})/.+\\.js$`]: ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' }, swcrc: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '<rootDir>/tmp/', '<rootDir>/.nx/'],
  // Nx's cache holds copies of built packages (their package.json would clash with the sources').
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/tmp/', '<rootDir>/.nx/'],
  setupFiles: ['reflect-metadata'],
};
