// The integration tests of what Redis Cluster changes, run again on a Redis Cluster the tier
// starts itself (three masters and their replicas, from the machine's redis-server): every
// script on keys of one slot, the projections with their checkpoints, the verifier, a replay
// with its generation swap, idempotency keys, login throttling, and the services' own client.
// The same files run on the single Redis in the int tier.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'redis-cluster',
  testMatch: [
    '<rootDir>/libs/redis/src/*.int-spec.ts',
    '<rootDir>/libs/messaging/src/redis-projection.int-spec.ts',
    '<rootDir>/libs/tokens/verifier/src/*.int-spec.ts',
    '<rootDir>/libs/runtime/src/service-infrastructure.int-spec.ts',
    '<rootDir>/apps/users-service/src/identity.int-spec.ts',
    '<rootDir>/apps/tokens-service/src/credentials/credential-replay.int-spec.ts',
    '<rootDir>/apps/tokens-service/src/credentials/credential-fallback.int-spec.ts',
    '<rootDir>/apps/tokens-service/src/tokens/tokens.int-spec.ts',
    '<rootDir>/apps/tokens-service/src/sessions/sessions.int-spec.ts',
    '<rootDir>/apps/gateway/src/idempotency/idempotency-store.int-spec.ts',
    '<rootDir>/apps/gateway/src/auth/login-throttle.int-spec.ts',
    '<rootDir>/apps/gateway/src/auth/authentication.int-spec.ts',
  ],
  testTimeout: 60_000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/tools/jest-redis-cluster-setup.js',
  globalTeardown: '<rootDir>/tools/jest-redis-cluster-teardown.js',
};
