import { Envelope, PrincipalRecord, RequestContext } from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { PostgresEventStore } from '@warden/event-store-postgres';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, writePrincipalRecord } from '@warden/testing';
import { CredentialReadModelUnavailableError, verifyCredential } from '@warden/token-verifier';
import { SessionsService } from '../sessions/sessions.service';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { TokensService } from '../tokens/tokens.service';
import { CredentialReadModel } from './credential-read-model';
import { CredentialStoreVerification } from './credential-store-verification';

// The store fallback: when Redis loses the credential read model, the tokens service rebuilds it from
// the event store, and until the rebuild is done every verification (the verifier with the
// gateway's fallback, tokens.verify) is decided from the store, by the same rules.
const ORG = '0190a0d2-0000-7000-8000-00000000001a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000001a1';
const SVC = '0190a0d2-0000-7000-8000-0000000001b1';
const SVC2 = '0190a0d2-0000-7000-8000-0000000001b2';

describe('verification while the credential read model is rebuilt', () => {
  let h: TokensHarness;
  let keyPrefix: string;
  let store: PostgresEventStore;
  let redis: RedisClient;
  let readModel: CredentialReadModel;
  let storeVerification: CredentialStoreVerification;
  let tokens: TokensService;
  let sessions: SessionsService;

  const principal = (userId: string, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord => serviceAccountRecord(userId, ORG, overrides);
  const writePrincipals = async () => {
    for (const record of [principal(SVC), principal(SVC2)]) await h.writePrincipal(record);
  };
  const context: RequestContext = adminContext(ADMIN, ORG);
  const send = <T>(payload: T): Envelope<T> => ({ context, payload });
  // The gateway's path: the verifier, falling back to the tokens service (here in process).
  const verify = (token: string, origin: string | null = null) =>
    verifyCredential(token, { redis, keyPrefix, now: new Date(), origin, fallback: (presented, at) => storeVerification.verify(presented, at, new Date()) });

  beforeEach(async () => {
    h = await startTokensHarness({ label: 'tokfb', principals: [principal(SVC), principal(SVC2)] });
    ({ keyPrefix, store, redis, readModel, storeVerification, tokens, sessions } = h);
  });

  afterEach(() => h.close());

  it('answers right from the store while a slow rebuild runs, and health says so until it is done', async () => {
    const publicToken = await tokens.issue(send({ user_id: SVC, name: 'shop', visibility: 'public', allowed_origins: ['https://shop.example.com'] }));
    const rotatedOut = await tokens.issue(send({ user_id: SVC, name: 'rotated at once' }));
    const rotatedIn = await tokens.rotate(send({ id: rotatedOut.id, grace_period_seconds: 0 }));
    const graced = await tokens.issue(send({ user_id: SVC, name: 'graced' }));
    await tokens.rotate(send({ id: graced.id, grace_period_seconds: 3600 }));
    const revoked = await tokens.issue(send({ user_id: SVC, name: 'revoked' }));
    await tokens.revoke(send({ id: revoked.id }));
    const moved = await tokens.issue(send({ user_id: SVC, name: 'moved' }));
    await tokens.reassign(send({ id: moved.id, user_id: SVC2 }));
    const ownerGone = await tokens.issue(send({ user_id: SVC, name: 'owner gone' }));
    const login = await sessions.start({ context, payload: { userId: SVC, organizationId: ORG } });
    const ended = await sessions.start({ context, payload: { userId: SVC2, organizationId: ORG } });
    await sessions.end({ context: { ...context, principal: { ...context.principal!, userId: SVC2, credential: { kind: 'session', id: await sessionIdOf(ended.key), expiresAt: null } } }, payload: {} });

    const expectations = async () => {
      expect(await verify(publicToken.token, 'https://shop.example.com')).toMatchObject({ ok: true, principal: { userId: SVC, credential: { id: publicToken.id } } });
      expect(await verify(publicToken.token, 'https://shop.example.com:8443')).toMatchObject({ ok: false, reason: 'origin_not_allowed' });
      expect(await verify(rotatedIn.token)).toMatchObject({ ok: true });
      expect(await verify(graced.token)).toMatchObject({ ok: true, principal: { credential: { id: graced.id } } });
      expect(await verify(revoked.token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await verify(moved.token)).toMatchObject({ ok: true, principal: { userId: SVC2 } });
      expect(await verify(login.key)).toMatchObject({ ok: true, principal: { userId: SVC, credential: { kind: 'session' } } });
      expect(await verify(ended.key)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await tokens.verify(send({ token: revoked.token }))).toEqual({ active: false, reason: 'revoked' });
      expect(await tokens.verify(send({ token: publicToken.token, origin: 'https://shop.example.com' }))).toMatchObject({ active: true, token_id: publicToken.id });
    };
    // The same answers from Redis before the loss...
    await expectations();
    expect(await verify(rotatedOut.token)).toMatchObject({ ok: false, reason: 'rotated_out' });
    await writePrincipalRecord(redis, keyPrefix, principal(SVC, { status: 'deactivated' }));
    expect(await verify(ownerGone.token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
    await writePrincipalRecord(redis, keyPrefix, principal(SVC));

    // ...and from the store while Redis has lost it and a slow rebuild runs.
    await deleteRedisPrefix(redis, keyPrefix);
    await writePrincipals();
    let releaseRebuild!: () => void;
    const held = new Promise<void>((resolve) => (releaseRebuild = resolve));
    const rebuilding = readModel.runner.rebuild(slowedUntil(store, held));
    try {
      expect(await readModel.healthCheck().check()).toEqual({ status: 'degraded', detail: 'rebuilding from the event store' });
      await expectations();
      // A rotated-out secret is refused from the store too, naming why.
      expect(await verify(rotatedOut.token)).toMatchObject({ ok: false, reason: 'rotated_out' });
      await writePrincipalRecord(redis, keyPrefix, principal(SVC, { status: 'deactivated' }));
      expect(await verify(ownerGone.token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
      await writePrincipalRecord(redis, keyPrefix, principal(SVC));
      // Without a fallback the verifier refuses to guess (a 503 at the caller, never a 401).
      await expect(verifyCredential(revoked.token, { redis, keyPrefix, now: new Date() })).rejects.toBeInstanceOf(CredentialReadModelUnavailableError);
      expect(await readModel.isReady()).toBe(false);
      expect((await readModel.healthCheck().check()).status).toBe('degraded');
    } finally {
      releaseRebuild();
    }
    await rebuilding;
    expect(await readModel.healthCheck().check()).toEqual({ status: 'up', detail: expect.stringMatching(/^rebuilt at .* from \d+ events$/) });
    // Back on the Redis path: the same answers.
    await expectations();
    expect(await verifyCredential(revoked.token, { redis, keyPrefix, now: new Date() })).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('refuses an unknown or malformed secret from the store as the Redis path does', async () => {
    const issued = await tokens.issue(send({ user_id: SVC, name: 'x' }));
    const unknown = issued.token.slice(0, 6) + 'A'.repeat(issued.token.length - 6);
    expect(await storeVerification.verify(unknown, null, new Date())).toMatchObject({ ok: false, reason: 'malformed' });
    await tokens.revoke(send({ id: issued.id }));
    const other = await tokens.issue(send({ user_id: SVC, name: 'y' }));
    await store.pool.query(`DELETE FROM "${h.schema}".credential_streams WHERE stream_id = $1`, [`token-${other.id}`]);
    expect(await storeVerification.verify(other.token, null, new Date())).toMatchObject({ ok: false, reason: 'unknown' });
    expect(await storeVerification.verify(issued.token, null, new Date())).toMatchObject({ ok: false, reason: 'revoked' });
  });

  async function sessionIdOf(key: string): Promise<string> {
    const result = await verifyCredential(key, { redis, keyPrefix, now: new Date() });
    if (!result.ok) throw new Error(`session key did not verify: ${result.reason}`);
    return result.principal.credential.id;
  }
});

/** The store, with `readAll` held until `released`: a rebuild that takes as long as the test needs. */
function slowedUntil(store: EventStore, released: Promise<void>): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'readAll') {
        return async (...args: Parameters<EventStore['readAll']>) => {
          await released;
          return target.readAll(...args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
