export * from './redis-client';
export * from './redis-keys';
export * from './redis-scripts';
