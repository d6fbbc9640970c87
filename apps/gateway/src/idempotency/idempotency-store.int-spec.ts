import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, testRedis, uniqueTestId } from '@warden/testing';
import { IdempotencyRecord, idempotencyRecordKey } from './idempotency-key';
import { HeldKey, IdempotencyStore } from './idempotency-store';

describe('IdempotencyStore on a real Redis, shared by two gateway instances', () => {
  let keyPrefix: string;
  let clients: RedisClient[];
  let gatewayA: IdempotencyStore;
  let gatewayB: IdempotencyStore;
  let recordKey: string;

  const held = (result: Awaited<ReturnType<IdempotencyStore['begin']>>): HeldKey => {
    if (!result.held) throw new Error(`expected the key to be free, found ${JSON.stringify(result.record)}`);
    return result.key;
  };
  const found = (result: Awaited<ReturnType<IdempotencyStore['begin']>>): IdempotencyRecord => {
    if (result.held) throw new Error('expected a record, the key was free');
    return result.record;
  };

  beforeEach(async () => {
    keyPrefix = `${uniqueTestId('idem')}:`;
    clients = [testRedis(), testRedis()];
    // Both connected first (a cluster client finds the slots' owners first): a client still
    // connecting when the other's 300 ms lock runs out would take the key as well.
    await Promise.all(clients.map((client) => client.ping()));
    gatewayA = new IdempotencyStore(clients[0]!, 300, 60);
    gatewayB = new IdempotencyStore(clients[1]!, 300, 60);
    recordKey = idempotencyRecordKey(keyPrefix, { userId: 'u1', credential: { kind: 'api_token', id: 't1' } }, 'key-1');
  });

  afterEach(async () => {
    await deleteRedisPrefix(clients[0]!, keyPrefix);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('lets one of many concurrent first requests take the key; the others see it in progress', async () => {
    const results = await Promise.all([...Array(10)].map((_, i) => (i % 2 === 0 ? gatewayA : gatewayB).begin(recordKey, 'f')));
    expect(results.filter((result) => result.held)).toHaveLength(1);
    for (const result of results.filter((r) => !r.held)) expect(found(result)).toMatchObject({ state: 'in_progress', fingerprint: 'f' });
    // The lock is short: PX, well under the answer's life.
    const pttl = await clients[0]!.pttl(recordKey);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
  });

  it('keeps the answer for the retries, on any instance, for the answer life', async () => {
    const key = held(await gatewayA.begin(recordKey, 'f'));
    const answer: IdempotencyRecord = { state: 'answered', fingerprint: 'f', status: 201, headers: { location: '/x' }, body: { id: 'x' } };
    expect(await gatewayA.finish(key, answer)).toBe(true);
    expect(found(await gatewayB.begin(recordKey, 'f'))).toEqual(answer);
    const ttl = await clients[0]!.ttl(recordKey);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('frees a released key so the retry runs again', async () => {
    const key = held(await gatewayA.begin(recordKey, 'f'));
    expect(await gatewayA.release(key)).toBe(true);
    expect(await clients[0]!.exists(recordKey)).toBe(0);
    held(await gatewayB.begin(recordKey, 'f'));
  });

  it('frees the key of a crashed request once its lock runs out', async () => {
    held(await gatewayA.begin(recordKey, 'f'));
    expect(found(await gatewayB.begin(recordKey, 'f')).state).toBe('in_progress');
    await new Promise((resolve) => setTimeout(resolve, 400));
    held(await gatewayB.begin(recordKey, 'f'));
  });

  it('never lets a request that outlived its lock overwrite the one that took the key after it', async () => {
    const late = held(await gatewayA.begin(recordKey, 'f'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const current = held(await gatewayB.begin(recordKey, 'f'));
    expect(await gatewayA.finish(late, { state: 'answered', fingerprint: 'f', status: 201, headers: {}, body: { id: 'late' } })).toBe(false);
    expect(await gatewayA.release(late)).toBe(false);
    expect(found(await gatewayA.begin(recordKey, 'f')).state).toBe('in_progress');
    expect(await gatewayB.finish(current, { state: 'answered', fingerprint: 'f', status: 201, headers: {}, body: { id: 'current' } })).toBe(true);
    expect(found(await gatewayA.begin(recordKey, 'f'))).toMatchObject({ body: { id: 'current' } });
    // A finished record is never replaced by a later finish either.
    expect(await gatewayA.finish(current, { state: 'answered', fingerprint: 'f', status: 201, headers: {}, body: { id: 'again' } })).toBe(false);
  });
});
