export * from './decider-spec';
export * from './servers';
export * from './nats';
export * from './redis';
export * from './event-store-contract';
export * from './system';
export * from './append-some';
export * from './api-client';
