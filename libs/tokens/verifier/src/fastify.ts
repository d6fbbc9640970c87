// The package's `@warden/token-verifier/fastify` entry: the verifier and the Fastify hook,
// without the NestJS guard (so without NestJS).
export { createWardenVerifier, verifyRequest } from './warden-verifier';
export type { WardenVerifier, WardenVerifierOptions, WardenRedisVerifierOptions, WardenIntrospectionVerifierOptions, VerifyPresented, VerifyPresentedOptions } from './warden-verifier';
export * from './request-authentication';
export * from './warden-fastify';
export type { VerificationResult, VerificationFailure, RateLimitState, VerifiedUsage } from './verify-credential';
export type { PrincipalView } from '@warden/contracts';
