export * from './verify-credential';
export * from './warden-verifier';
export * from './presented-credential';
export * from './warden-auth.guard';
export type { PrincipalView } from '@warden/contracts';
export * from './token-use-recorder';
export * from './access-token-keys';
export * from './access-token-verification';
export * from './token-status';
