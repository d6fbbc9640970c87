// The SWC settings of the build (.swcrc, which Nx's build targets compile with) for the
// tools that call SWC themselves (jest, the library packer), so that what the tests run is
// compiled exactly as what ships. Called from code, SWC wants baseUrl absolute; the build's
// `exclude` (test files stay out of dist/) is the build's alone.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

module.exports = function swcOptions() {
  const swcrc = JSON.parse(readFileSync(path.join(root, '.swcrc'), 'utf8'));
  delete swcrc.exclude;
  return { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: path.resolve(root, swcrc.jsc.baseUrl) }, sourceMaps: 'inline' };
};
