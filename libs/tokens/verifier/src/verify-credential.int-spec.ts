import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CredentialRecord,
  PrincipalRecord,
  credentialGenerationPrefix,
  credentialKey,
  organizationPoliciesKey,
  principalRecordsKey,
  principalRecordsReadyKey,
  tokenUsageKey,
} from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, testRedis, uniqueTestId } from '@warden/testing';
import { VerificationUnavailableError, prepareCredentialVerifier, readVerificationRecords } from './verify-credential';

// verify-credential-4.lua on its own: what one round trip reads for a verification.
let redis: RedisClient;
let keyPrefix: string;

const principal = { userId: 'u-1', organizationId: 'o-1', status: 'active' } as PrincipalRecord;
const policy = JSON.stringify({ organizationId: 'o-1', maxTokenLifetimeSeconds: 60 });
const token: CredentialRecord = { kind: 'api_token', credentialId: 't-1', userId: 'u-1', organizationId: 'o-1', expiresAt: null, status: 'active' };

const pointer = () => keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY;
const recordKey = (generation: string, hash = 'h1') => keyPrefix + credentialGenerationPrefix(generation) + credentialKey(hash);
const ask = (generation: string, hash = 'h1') =>
  redis.wardenVerifyCredential(pointer(), recordKey(generation, hash), principalRecordsKey(keyPrefix), organizationPoliciesKey(keyPrefix), tokenUsageKey(keyPrefix), generation, Date.now(), '');

beforeEach(async () => {
  redis = testRedis();
  prepareCredentialVerifier(redis);
  keyPrefix = `${uniqueTestId('vscript')}:`;
  await redis.hset(principalRecordsKey(keyPrefix), 'u-1', JSON.stringify(principal));
  await redis.hset(organizationPoliciesKey(keyPrefix), 'o-1', policy);
});

afterEach(async () => {
  await deleteRedisPrefix(redis, keyPrefix);
  redis.disconnect();
});

describe('the verification script', () => {
  it('answers 1 while no generation is named built, whatever records are there', async () => {
    await redis.set(recordKey(''), JSON.stringify(token));
    expect(await ask('')).toBe(1);
  });

  it('answers the live generation when asked in another, and reads nothing there', async () => {
    await redis.set(pointer(), 'g2');
    await redis.set(recordKey(''), JSON.stringify(token));
    expect(await ask('')).toBe('g2');
    await redis.set(pointer(), '');
    expect(await ask('g2')).toBe('');
  });

  it("reads the record, its owner's principal record and its organization's policy from their hashes", async () => {
    await redis.set(pointer(), 'g2');
    await redis.set(recordKey('g2'), JSON.stringify(token));
    expect(await ask('g2')).toEqual([JSON.stringify(token), JSON.stringify(principal), policy, '']);
  });

  it('answers nothing for an unknown hash, and nil for an owner without a principal record', async () => {
    await redis.set(pointer(), '');
    expect(await ask('', 'missing')).toEqual([]);
    await redis.set(recordKey(''), JSON.stringify({ ...token, userId: 'u-gone' }));
    expect(await ask('')).toEqual([JSON.stringify({ ...token, userId: 'u-gone' }), null, policy, '']);
  });

  it("reads no policy for a session's record, and only the record when it names no owner", async () => {
    await redis.set(pointer(), '');
    const session = { ...token, kind: 'session' };
    await redis.set(recordKey(''), JSON.stringify(session));
    expect(await ask('')).toEqual([JSON.stringify(session), JSON.stringify(principal), null, '']);
    const ownerless = { kind: 'api_token', credentialId: 't-2', status: 'active' };
    await redis.set(recordKey(''), JSON.stringify(ownerless));
    expect(await ask('')).toEqual([JSON.stringify(ownerless)]);
  });
});

describe('a credential found without its owner\'s principal record', () => {
  beforeEach(async () => {
    await redis.set(pointer(), '');
    await redis.set(recordKey(''), JSON.stringify({ ...token, userId: 'u-gone' }));
  });

  it('is not decided while the principal records are lost or being rebuilt: a 503, never a refusal', async () => {
    await expect(readVerificationRecords(redis, keyPrefix, 'h1', { now: new Date() })).rejects.toBeInstanceOf(VerificationUnavailableError);
  });

  it('is decided once they are built: the owner is gone', async () => {
    await redis.set(principalRecordsReadyKey(keyPrefix), '1');
    expect(await readVerificationRecords(redis, keyPrefix, 'h1', { now: new Date() })).toMatchObject({ credential: JSON.stringify({ ...token, userId: 'u-gone' }), principal: null });
  });
});
