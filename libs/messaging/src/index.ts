export * from './published-event';
export * from './events-stream';
export * from './event-relay';
export * from './stream-health';
export * from './jetstream-consumer';
export * from './redis-ops';
export * from './redis-projection';
export * from './messaging-log';
export { backoffDelay, describeError, type BackoffOptions } from './backoff';
