export * from './event-store.port';
export * from './in-memory-event-store';
export * from './tail';
export * from './append-waiters';
