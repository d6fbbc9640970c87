export * from './decider';
export * from './event-upcasters';
export * from './load-state';
export * from './command-handler';
export * from './event-metadata';
export * from './retried-create';
