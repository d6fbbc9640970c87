// Entry point of the packed @warden/token-verifier/fastify: the verifier and the Fastify hook,
// without the NestJS guard, so a Fastify service needs no NestJS installed. reflect-metadata
// first, as for the main entry (the shared contracts carry class-transformer decorators).
require('reflect-metadata');
module.exports = require('./libs/tokens/verifier/src/fastify.js');
