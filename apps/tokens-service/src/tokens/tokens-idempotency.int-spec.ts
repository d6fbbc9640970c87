import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import {
  CommonErrorCode,
  Envelope,
  PrincipalRecord,
  PrincipalView,
  RequestContext,
  WardenError,
  credentialGenerationPrefix,
  idempotentId,
  ownedTokensKey,
} from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { silentMessagingLog } from '@warden/messaging';
import type { RedisClient } from '@warden/redis';
import { TEST_DATABASE_URL, deleteRedisPrefix, readAllCommitted, testRedis, uniqueTestId, writeOrganizationPolicy, writePrincipalRecord } from '@warden/testing';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { CredentialStoreVerification } from '../credentials/credential-store-verification';
import { PostgresCredentialStreams } from '../credentials/credential-streams';
import { TokensService } from './tokens.service';

const ORG = '0190a0d2-0000-7000-8000-00000000000a';
const ADMIN = '0190a0d2-0000-7000-8000-0000000000a1';
const SVC = '0190a0d2-0000-7000-8000-0000000000b1';
const FINGERPRINT = 'f'.repeat(64);

// A retry whose first answer was lost (the gateway's 503 frees the key) carries the
// same idempotency fingerprint, so it finds the token made the first time instead of
// issuing a second one.
describe('issuing a token twice with one idempotency fingerprint', () => {
  let schema: string;
  let keyPrefix: string;
  let admin: Pool;
  let store: PostgresEventStore;
  let redis: RedisClient;
  let tokens: TokensService;

  const context = (overrides: Partial<RequestContext> = {}, credential: PrincipalView['credential'] = { kind: 'session', id: 's-admin', expiresAt: null }): RequestContext => {
    const view: PrincipalView = {
      userId: ADMIN,
      organizationId: ORG,
      accountType: 'user',
      roles: ['WARDEN_ADMIN'],
      teams: [],
      permissions: { 'tokens:read': 'organization', 'tokens:write': 'organization', 'users:read': 'organization' },
      isSuperAdmin: false,
      platformAdmin: false,
      credential,
    };
    return { correlationId: 'int-test', actorType: view.accountType, actorId: ADMIN, organizationId: ORG, principal: view, ...overrides };
  };
  const issue = (ctx: RequestContext): Envelope<unknown> => ({ context: ctx, payload: { user_id: SVC, name: 'webhooks' } });
  const refusal = async (run: Promise<unknown>): Promise<WardenError> => {
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(WardenError);
    return error as WardenError;
  };
  const issuedEvents = async () => (await readAllCommitted(store)).filter((event) => event.type === 'TokenIssued');

  beforeAll(() => {
    admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  });
  afterAll(() => admin.end());

  beforeEach(async () => {
    schema = uniqueTestId('tokidem');
    keyPrefix = `${uniqueTestId('tokidem')}:`;
    store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    redis = testRedis();
    const readModel = new CredentialReadModel({ redis, keyPrefix, store, log: silentMessagingLog });
    await readModel.ensureBuilt();
    const streams = new PostgresCredentialStreams(store.pool, schema);
    await streams.migrate();
    const storeVerification = new CredentialStoreVerification({ store, streams, redis, keyPrefix });
    tokens = new TokensService({ store, readModel, storeVerification, redis, keyPrefix, randomBytes, exchangedTokenLifetimeSeconds: 86400 });
    const owner: PrincipalRecord = {
      userId: SVC,
      organizationId: ORG,
      accountType: 'service_external',
      username: 'svc',
      roles: ['WARDEN_MEMBER'],
      teams: [],
      permissions: { 'users:read': 'organization' },
      isSuperAdmin: false,
      platformAdmin: false,
      status: 'active',
    };
    await writePrincipalRecord(redis, keyPrefix, owner);
    await writeOrganizationPolicy(redis, keyPrefix, { organizationId: ORG, maxTokenLifetimeSeconds: null });
  });

  afterEach(async () => {
    await deleteRedisPrefix(redis, keyPrefix);
    await redis.quit();
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('issues one token under the derived id; the retry gets 409 idempotent_replay_withheld naming it, without a secret', async () => {
    const first = await tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })));
    expect(first.id).toBe(idempotentId(FINGERPRINT, 'tokens.issue'));
    expect(first.token).toMatch(/^wdn_p_/);

    const retry = await refusal(tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT, correlationId: 'retry' }))));
    expect(retry.code).toBe(CommonErrorCode.IdempotentReplayWithheld);
    expect(retry.detail).toContain(first.id);
    expect(JSON.stringify(retry)).not.toContain(first.token);
    expect(await issuedEvents()).toHaveLength(1);
    expect(await redis.smembers(keyPrefix + credentialGenerationPrefix('') + ownedTokensKey(SVC))).toEqual([first.id]);
  });

  it('issues one token when two retries race', async () => {
    const results = await Promise.allSettled([...Array(4)].map(() => tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: CommonErrorCode.IdempotentReplayWithheld });
    }
    expect(await issuedEvents()).toHaveLength(1);
  });

  it('issues distinct tokens for other fingerprints and without one, and keeps exchange apart from issue', async () => {
    const a = await tokens.issue(issue(context({ idempotencyFingerprint: FINGERPRINT })));
    const b = await tokens.issue(issue(context({ idempotencyFingerprint: 'e'.repeat(64) })));
    const c = await tokens.issue(issue(context()));
    const d = await tokens.issue(issue(context()));
    expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
    // The owner's own login key exchanged with the same fingerprint: another command, another id.
    const asOwner: RequestContext = {
      ...context({ idempotencyFingerprint: FINGERPRINT }, { kind: 'session', id: 's-svc', expiresAt: null }),
      actorId: SVC,
      actorType: 'service_external',
    };
    asOwner.principal = { ...asOwner.principal!, userId: SVC, accountType: 'service_external' };
    const exchanged = await tokens.exchange({ context: asOwner, payload: {} });
    expect(exchanged.id).toBe(idempotentId(FINGERPRINT, 'tokens.exchange'));
    expect((await refusal(tokens.exchange({ context: asOwner, payload: {} }))).code).toBe(CommonErrorCode.IdempotentReplayWithheld);
    expect(await issuedEvents()).toHaveLength(5);
  });
});
