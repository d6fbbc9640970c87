import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { RedisClient } from '@warden/redis';
import { Envelope, PrincipalRecord, PrincipalView, RequestContext, TokenEndpointAnswer } from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { silentMessagingLog } from '@warden/messaging';
import { TEST_DATABASE_URL, deleteRedisPrefix, testRedis, uniqueTestId, writeOrganizationPolicy, writePrincipalRecord } from '@warden/testing';
import { AccessTokenKeyring, verifyCredential } from '@warden/token-verifier';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { CredentialStoreVerification } from '../credentials/credential-store-verification';
import { PostgresCredentialStreams } from '../credentials/credential-streams';
import { GrantLedger } from './grant-ledger';
import { OAuthClientsService } from './oauth-clients.service';
import { TokenEndpoint } from './token-endpoint';
import { WorkloadIssuers } from './workload-issuers';

// The token endpoint on a real event store and Redis: grants recorded in group commits
// before they are answered, access tokens verified from Redis and, while the read model is
// lost, from the store by the same rules, and signing keys rotated without refusing the
// tokens signed before.
const ORG = '0190a0d2-0000-7000-8000-00000000002a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000002a1';
const SVC = '0190a0d2-0000-7000-8000-0000000002b1';
const ISSUER = 'http://warden.test';

describe('the token endpoint', () => {
  let schema: string;
  let keyPrefix: string;
  let admin: Pool;
  let store: PostgresEventStore;
  let redis: RedisClient;
  let readModel: CredentialReadModel;
  let keyring: AccessTokenKeyring;
  let endpoint: TokenEndpoint;
  let clients: OAuthClientsService;
  let storeVerification: CredentialStoreVerification;

  const account: PrincipalRecord = {
    userId: SVC,
    organizationId: ORG,
    accountType: 'service_external',
    username: 'billing@int',
    roles: ['RECORDS'],
    teams: [],
    permissions: { 'records:write': 'organization' },
    isSuperAdmin: false,
    platformAdmin: false,
    status: 'active',
  };
  const superAdmin: PrincipalView = {
    userId: ADMIN,
    organizationId: ORG,
    accountType: 'user',
    roles: ['WARDEN_SUPER_ADMIN'],
    teams: [],
    permissions: {},
    isSuperAdmin: true,
    platformAdmin: false,
    credential: { kind: 'session', id: 's-admin', expiresAt: null },
  };
  const context: RequestContext = { correlationId: 'int-test', actorType: 'user', actorId: ADMIN, organizationId: ORG, principal: superAdmin };
  const send = <T>(payload: T): Envelope<T> => ({ context, payload });
  const grant = (secret: string) =>
    endpoint.token(
      { form: { grant_type: 'client_credentials', client_id: SVC, client_secret: secret }, audiences: [ISSUER] },
      { correlationId: 'grant', actorType: 'anonymous', clientAddress: '127.0.0.1' },
    );
  const tokenOf = (answer: TokenEndpointAnswer) => {
    if (answer.status !== 200) throw new Error(`refused: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token;
  };
  const verify = (token: string) =>
    verifyCredential(token, { redis, keyPrefix, now: new Date(), fallback: (presented, origin) => storeVerification.verify(presented, origin, new Date()) });

  beforeAll(() => {
    admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  });
  afterAll(() => admin.end());

  beforeEach(async () => {
    schema = uniqueTestId('tokens');
    keyPrefix = `${uniqueTestId('oauth')}:`;
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    redis = testRedis();
    readModel = new CredentialReadModel({ redis, keyPrefix, store, log: silentMessagingLog });
    await readModel.ensureBuilt();
    const streams = new PostgresCredentialStreams(store.pool, schema);
    await streams.migrate();
    storeVerification = new CredentialStoreVerification({ store, streams, redis, keyPrefix });
    keyring = new AccessTokenKeyring(redis, keyPrefix);
    await keyring.rotate(new Date(), 3_600_000, 3_600_000);
    endpoint = new TokenEndpoint({ redis, keyPrefix, store, keyring, ledger: new GrantLedger(store), issuers: new WorkloadIssuers(1_000) });
    clients = new OAuthClientsService({ store, readModel, redis, keyPrefix, keyring, randomBytes, allowHttpIssuers: false });
    await writePrincipalRecord(redis, keyPrefix, account);
  });

  afterEach(async () => {
    await deleteRedisPrefix(redis, keyPrefix);
    await redis.quit();
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('records every grant before answering it, many grants to an append', async () => {
    const { client_secret } = await clients.addClientSecret(send({ userId: SVC }));
    const answers = await Promise.all(Array.from({ length: 40 }, () => grant(client_secret)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const { rows: events } = await admin.query<{ data: { grants: { grantId: string }[] }; metadata: Record<string, unknown> }>(
      `SELECT data, metadata FROM "${schema}".events WHERE type = 'AccessTokensGranted'`,
    );
    const recorded = events.flatMap((event) => event.data.grants.map((entry) => entry.grantId));
    // every answered grant is in the store, and they took fewer appends than grants
    expect(recorded).toHaveLength(40);
    expect(new Set(recorded).size).toBe(40);
    expect(events.length).toBeLessThan(40);
    expect(events[0]!.metadata).toMatchObject({ actorId: SVC, actorType: 'service_external', organizationId: ORG });
  });

  it("gives access tokens its organization's lifetime as the policy record says at the grant, capped by max_token_lifetime_seconds", async () => {
    const { client_secret } = await clients.addClientSecret(send({ userId: SVC }));
    const expiresIn = async () => {
      const answer = await grant(client_secret);
      if (answer.status !== 200) throw new Error(`refused: ${JSON.stringify(answer.body)}`);
      return answer.body.expires_in;
    };
    // No policy record, or one written before the setting existed: the default.
    expect(await expiresIn()).toBe(900);
    await writeOrganizationPolicy(redis, keyPrefix, { organizationId: ORG, maxTokenLifetimeSeconds: null });
    expect(await expiresIn()).toBe(900);
    const before = Math.floor(Date.now() / 1000);
    const earlier = tokenOf(await grant(client_secret));
    await writeOrganizationPolicy(redis, keyPrefix, { organizationId: ORG, maxTokenLifetimeSeconds: null, accessTokenLifetimeSeconds: 120 });
    expect(await expiresIn()).toBe(120);
    await writeOrganizationPolicy(redis, keyPrefix, { organizationId: ORG, maxTokenLifetimeSeconds: 60, accessTokenLifetimeSeconds: 120 });
    expect(await expiresIn()).toBe(60);
    // A token granted before the change keeps the expiry it was granted with.
    const verified = await verify(earlier);
    if (!verified.ok) throw new Error(`refused: ${verified.reason}`);
    const { expiresAt } = verified.principal.credential;
    expect(Date.parse(expiresAt!)).toBeGreaterThanOrEqual((before + 900) * 1000);
  });

  it('verifies access tokens from Redis and, while the read model is lost, from the store by the same rules', async () => {
    const kept = await clients.addClientSecret(send({ userId: SVC }));
    const revoked = await clients.addClientSecret(send({ userId: SVC }));
    const fromKept = tokenOf(await grant(kept.client_secret));
    const fromRevoked = tokenOf(await grant(revoked.client_secret));
    await clients.revokeClientSecret(send({ userId: SVC, secretId: revoked.id }));
    const expectations = async () => {
      expect(await verify(fromKept)).toMatchObject({ ok: true, principal: { userId: SVC, credential: { kind: 'access_token' } } });
      expect(await verify(fromRevoked)).toMatchObject({ ok: false, reason: 'revoked' });
    };
    await expectations();
    // Redis loses the read model (the signing keys and principal records stay, as the users service keeps those)
    const keys = await redis.hgetall(keyPrefix + 'oauth:access-token-keys');
    await deleteRedisPrefix(redis, keyPrefix);
    await redis.hset(keyPrefix + 'oauth:access-token-keys', keys);
    await writePrincipalRecord(redis, keyPrefix, account);
    expect(await readModel.isReady()).toBe(false);
    await expectations();
    // a grant still works, from the store
    expect((await grant(kept.client_secret)).status).toBe(200);
  });

  it('signs with a new key after a rotation, verifies the tokens of the old one until it is retired', async () => {
    const { client_secret } = await clients.addClientSecret(send({ userId: SVC }));
    const before = tokenOf(await grant(client_secret));
    const later = new Date(Date.now() + 7_200_000);
    await keyring.rotate(later, 3_600_000, 3_600_000);
    const newKeyring = new AccessTokenKeyring(redis, keyPrefix);
    const newest = await newKeyring.current();
    expect(before.startsWith(`wdn_at_${newest!.id}.`)).toBe(false);
    expect(await verify(before)).toMatchObject({ ok: true });
    // retired once a newer key has been current for longer than any token lives
    await keyring.rotate(new Date(later.getTime() + 3_600_001), 86_400_000, 3_600_000);
    expect(Object.keys(await redis.hgetall(keyPrefix + 'oauth:access-token-keys'))).toEqual([newest!.id]);
    // a verifier that has not read the retired key before
    const fresh = testRedis();
    try {
      expect(await verifyCredential(before, { redis: fresh, keyPrefix, now: new Date() })).toEqual({ ok: false, reason: 'unknown' });
    } finally {
      fresh.disconnect();
    }
  });
});
