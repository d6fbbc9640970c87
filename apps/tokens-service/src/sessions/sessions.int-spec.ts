import Redis from 'ioredis';
import {
  AuthErrorCode,
  CREDENTIAL_READ_MODEL_READY_KEY,
  Envelope,
  PrincipalRecord,
  PrincipalView,
  RequestContext,
  StartSessionRequest,
  TokensErrorCode,
  WardenError,
  credentialKey,
  principalRecordsKey,
  principalRecordsReadyKey,
  secretHash,
  verificationCacheKeys,
} from '@warden/contracts';
import { RecordedEvent } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, dumpRedisPrefix, pollUntil } from '@warden/testing';
import { verifyCredential } from '@warden/token-verifier';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { ownerTokensKey, tokenListingKeys } from '../credentials/credential-read-model.projection';
import { TokensHarness, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { SessionsService } from './sessions.service';

const context: RequestContext = { correlationId: 'int-test', actorType: 'anonymous' };
const ORG = '0190a0d2-0000-7000-8000-000000000001';

describe('login sessions on the real event store and Redis', () => {
  let h: TokensHarness;
  let keyPrefix: string;
  let store: PostgresEventStore;
  let redis: RedisClient;
  /** Where the live (base) generation's keys are. */
  let live: string;
  let readModel: CredentialReadModel;
  let clock: Date;
  let sessions: SessionsService;

  const principal = (userId: string, status: PrincipalRecord['status'] = 'active'): PrincipalRecord =>
    serviceAccountRecord(userId, ORG, { roles: ['WARDEN_AUDITOR'], permissions: { 'audit:read': 'organization' }, status });
  const writePrincipal = (record: PrincipalRecord) => h.writePrincipal(record);
  const start = (userId: string): Promise<{ key: string; expires_at: string }> =>
    sessions.start({ context, payload: { userId, organizationId: ORG } } satisfies Envelope<StartSessionRequest>);
  const verify = (key: string, now = clock) => verifyCredential(key, { redis, keyPrefix, now });
  const asCaller = (view: PrincipalView): Envelope<unknown> => ({
    context: { ...context, actorType: view.accountType, actorId: view.userId, principal: view },
    payload: {},
  });

  beforeEach(async () => {
    h = await startTokensHarness({ label: 'tok', clock: () => clock, sessionTtlSeconds: 3600 });
    ({ keyPrefix, store, redis, live, readModel, sessions } = h);
    clock = new Date();
  });

  afterEach(() => h.close());

  it('answers the login shape ({ key, domain }) and the key verifies at once, as its user', async () => {
    await writePrincipal(principal('u-1'));
    const login = await start('u-1');
    expect(login).toEqual({ key: expect.stringMatching(/^wdn_s_[0-9A-Za-z]{38}$/), domain: null, expires_at: new Date(clock.getTime() + 3600_000).toISOString() });

    const result = await verify(login.key);
    expect(result).toEqual({
      ok: true,
      principal: expect.objectContaining({
        userId: 'u-1',
        organizationId: ORG,
        accountType: 'service_external',
        permissions: { 'audit:read': 'organization' },
        credential: { kind: 'session', id: expect.any(String), expiresAt: login.expires_at },
      }),
    });
  });

  it('stores only the hash of the key, in the event and in Redis', async () => {
    await writePrincipal(principal('u-1'));
    const { key } = await start('u-1');
    // Committed, but the global log may hold it back while an older transaction anywhere
    // in the cluster is open (other test files run in parallel): wait until it is readable.
    let events: RecordedEvent[] = [];
    const readable = async () => {
      events = await store.readAll({ limit: 10 });
      return events.length > 0;
    };
    await pollUntil(readable, 'the session event to be readable in the global log', 15_000);
    const [event] = events;
    expect(events).toHaveLength(1);
    expect(JSON.stringify(event)).not.toContain(key);
    expect(event!.data).toMatchObject({ keyHash: secretHash(key), userId: 'u-1', organizationId: ORG });
    expect(JSON.stringify(await dumpRedisPrefix(redis, keyPrefix))).not.toContain(key);
    expect(await redis.exists(live + credentialKey(secretHash(key)))).toBe(1);
  });

  it('refuses an ended session from the moment logout answers', async () => {
    await writePrincipal(principal('u-1'));
    const { key } = await start('u-1');
    const verified = await verify(key);
    if (!verified.ok) throw new Error('the new session did not verify');
    await sessions.end(asCaller(verified.principal));
    expect(await verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
    // Logging out twice is fine and changes nothing.
    await sessions.end(asCaller(verified.principal));
    expect(await verify(key)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('refuses to end a session with an API token or for another user', async () => {
    await writePrincipal(principal('u-1'));
    const { key } = await start('u-1');
    const verified = await verify(key);
    if (!verified.ok) throw new Error('the new session did not verify');
    const viaToken = { ...verified.principal, credential: { ...verified.principal.credential, kind: 'api_token' as const } };
    await expect(sessions.end(asCaller(viaToken))).rejects.toMatchObject({ code: TokensErrorCode.NotASession });
    await expect(sessions.end(asCaller({ ...verified.principal, userId: 'u-2' }))).rejects.toMatchObject({ code: TokensErrorCode.SessionNotFound });
    expect((await verify(key)).ok).toBe(true);
  });

  it('refuses an expired session', async () => {
    await writePrincipal(principal('u-1'));
    const { key, expires_at } = await start('u-1');
    expect((await verify(key, new Date(Date.parse(expires_at) - 1))).ok).toBe(true);
    expect(await verify(key, new Date(expires_at))).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('lets Redis evict a session at its absolute expiry, and never resurrects it', async () => {
    await writePrincipal(principal('u-1'));
    const fresh = await start('u-1');
    const freshKey = live + credentialKey(secretHash(fresh.key));
    expect(Number(await redis.call('PEXPIRETIME', freshKey))).toBe(Date.parse(fresh.expires_at));
    clock = new Date(Date.now() - 2 * 3600_000); // started two hours ago: over an hour ago
    const old = await start('u-1');
    expect(await redis.exists(live + credentialKey(secretHash(old.key)))).toBe(0);
    expect((await verify(old.key, new Date())).ok).toBe(false);
  });

  it('refuses a session whose owner is deactivated, from the moment the principal record says so', async () => {
    await writePrincipal(principal('u-1'));
    const { key } = await start('u-1');
    expect((await verify(key)).ok).toBe(true);
    await writePrincipal(principal('u-1', 'deactivated'));
    expect(await verify(key)).toMatchObject({ ok: false, reason: 'owner_inactive' });
    await redis.hdel(principalRecordsKey(keyPrefix), 'u-1');
    expect(await verify(key)).toMatchObject({ ok: false, reason: 'owner_inactive' });
  });

  it('starts no session for a user that is unknown, inactive or in another organization', async () => {
    await expect(start('nobody')).rejects.toMatchObject({ code: AuthErrorCode.InvalidCredentials });
    await writePrincipal(principal('u-2', 'deactivated'));
    await expect(start('u-2')).rejects.toMatchObject({ code: AuthErrorCode.InvalidCredentials });
    await writePrincipal({ ...principal('u-3'), organizationId: 'another-org' });
    await expect(start('u-3')).rejects.toBeInstanceOf(WardenError);
    expect(await store.readAll({ limit: 10 })).toEqual([]);
    // readAll alone would also be empty if an event were held back: nothing is committed at all
    expect(await store.countAfter(undefined, 10)).toBe(0);
  });

  it('rejects a key with one character changed without a single Redis command', async () => {
    await writePrincipal(principal('u-1'));
    const { key } = await start('u-1');
    const i = 20;
    const typo = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
    // A client of a port nobody listens on, failing any command at once.
    const closed = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(await verifyCredential(typo, { redis: closed, keyPrefix, now: clock })).toMatchObject({ ok: false, reason: 'malformed' });
      // The same client does fail a well-formed key: the typo never reached it.
      await expect(verifyCredential(key, { redis: closed, keyPrefix, now: clock })).rejects.toThrow();
    } finally {
      closed.disconnect();
    }
  });

  it('rebuilds, after its keys were deleted, exactly the read model it had', async () => {
    await writePrincipal(principal('u-1'));
    const kept = await start('u-1');
    const ended = await verify((await start('u-1')).key);
    if (!ended.ok) throw new Error('the new session did not verify');
    await sessions.end(asCaller(ended.principal));
    // Not the read model: its ready marker, the users service's records, the verification caches' lease protocol.
    const cacheKeys: string[] = Object.values(verificationCacheKeys(keyPrefix));
    const usersKeys = [principalRecordsKey(keyPrefix), principalRecordsReadyKey(keyPrefix)];
    const onlyReadModel = (key: string) => key === keyPrefix + CREDENTIAL_READ_MODEL_READY_KEY || usersKeys.includes(key) || cacheKeys.includes(key);
    const before = await dumpRedisPrefix(redis, keyPrefix, { exclude: onlyReadModel });
    expect(Object.keys(before).filter((key) => key.includes(':credential:'))).toHaveLength(2);

    await deleteRedisPrefix(redis, keyPrefix);
    expect(await readModel.ensureBuilt()).toBe(true);
    expect(await dumpRedisPrefix(redis, keyPrefix, { exclude: onlyReadModel })).toEqual(before);
    expect(readModel.runner.status().lastRebuild).toMatchObject({ events: 3 });
    expect((await readModel.healthCheck().check()).detail).toMatch(/^rebuilt at .* from 3 events$/);

    await writePrincipal(principal('u-1'));
    expect((await verify(kept.key)).ok).toBe(true);
    expect(await verify((await start('u-1')).key)).toMatchObject({ ok: true });
  });

  it('reports a lost read model in its health and rebuilds it', async () => {
    await writePrincipal(principal('u-1'));
    await start('u-1');
    await deleteRedisPrefix(redis, keyPrefix);
    expect(await readModel.healthCheck().check()).toEqual({ status: 'degraded', detail: expect.stringMatching(/rebuilding/) });
    await readModel.runner.rebuild(); // joins the rebuild the check started
    expect(await readModel.runner.isReady()).toBe(true);
    expect((await readModel.healthCheck().check()).status).toBe('up');
  });

  it('counts the API tokens a user owns and has not revoked from its listing index', async () => {
    expect(await readModel.countOwnedTokens(ORG, 'u-1')).toBe(0);
    // The index the tokens' events fill; a session is not an owned token.
    await writePrincipal(principal('u-1'));
    await start('u-1');
    expect(await readModel.countOwnedTokens(ORG, 'u-1')).toBe(0);
    const index = tokenListingKeys(live + ownerTokensKey(ORG, 'u-1'));
    await redis.zadd(index.all, 1, 'token-a', 2, 'token-b', 3, 'token-c');
    await redis.zadd(index.revoked, 2, 'token-b');
    expect(await readModel.countOwnedTokens(ORG, 'u-1')).toBe(2);
    expect(await readModel.countOwnedTokens('another-org', 'u-1')).toBe(0);
  });
});
