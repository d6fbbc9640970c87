// Entry point of the packed @warden/token-verifier (README.md, "Building the package"): the
// package keeps the repository's layout, and the contracts the verifier shares with Warden
// carry class-transformer decorators, which need reflect-metadata loaded first.
require('reflect-metadata');
module.exports = require('./libs/tokens/verifier/src/index.js');
