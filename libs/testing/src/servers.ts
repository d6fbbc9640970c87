// Where the integration tests find the real servers. Each test isolates itself inside
// them (its own PostgreSQL schema, Redis key prefix, NATS subject prefix and stream).
import { randomBytes } from 'node:crypto';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/warden_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A short unique lowercase id, safe in schema names, Redis keys and NATS subjects. */
export function uniqueTestId(label = 't'): string {
  return `${label.replace(/[^a-z0-9]/g, '').slice(0, 12)}_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
