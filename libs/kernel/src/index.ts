export * from './decider';
export * from './load-state';
export * from './command-handler';
export * from './event-metadata';
