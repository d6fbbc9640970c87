export * from './kurrentdb-event-store';
export * from './kurrentdb-mapping';
