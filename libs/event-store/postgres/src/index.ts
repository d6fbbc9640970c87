export * from './postgres-event-store';
export * from './postgres-migrations';
export * from './postgres-log-position';
export * from './postgres-pool-guard';
export * from './postgres-index-names';
export { appendChannel, quoteIdentifier, quoteLiteral } from './postgres-identifiers';
export type { EventStoreLogger } from './postgres-append-listener';
