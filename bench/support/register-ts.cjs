// Lets `node -r ./bench/support/register-ts.cjs bench/run.ts` run the benchmark's TypeScript
// (and the test helpers it reuses) compiled by SWC with exactly the options of the build and
// of jest (tools/swc-options.cjs), path aliases included. Nothing is written to disk.
const { readFileSync } = require('node:fs');
const swc = require('@swc/core');
const swcOptions = require('../../tools/swc-options.cjs');

require('reflect-metadata');
const options = { ...swcOptions(), swcrc: false };
require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
