export * from './warden-client';
export type { components, operations, paths } from './warden-api.generated';
