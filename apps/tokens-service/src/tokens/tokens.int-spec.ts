import {
  CREDENTIAL_READ_MODEL_READY_KEY,
  ENDED_CREDENTIAL_RETENTION_SECONDS,
  Envelope,
  IssuedTokenView,
  OrganizationPolicyRecord,
  PrincipalRecord,
  PrincipalView,
  RequestContext,
  TOKEN_LAST_USED_KEY,
  TokenIntrospection,
  TokensErrorCode,
  credentialKey,
  organizationPoliciesKey,
  principalRecordsKey,
  secretHash,
  verificationCacheKeys,
} from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import type { RedisClient } from '@warden/redis';
import { deleteRedisPrefix, dumpRedisPrefix, readAllCommitted, refusingEventStore } from '@warden/testing';
import { verifyCredential } from '@warden/token-verifier';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { tokenRecordKey } from '../credentials/credential-read-model.projection';
import { decodeTokenRecord, encodeTokenRecord } from '../credentials/token-record-codec';
import { TokensHarness, adminContext, serviceAccountRecord, startTokensHarness } from '../test/tokens-harness';
import { TokensService } from './tokens.service';

const ORG = '0190a0d2-0000-7000-8000-00000000000a';
const OTHER_ORG = '0190a0d2-0000-7000-8000-00000000000b';
const ADMIN = '0190a0d2-0000-7000-8000-0000000000a1';
const SVC = '0190a0d2-0000-7000-8000-0000000000b1';
const SVC2 = '0190a0d2-0000-7000-8000-0000000000b2';
const HUMAN = '0190a0d2-0000-7000-8000-0000000000c1';

describe('API tokens on the real event store and Redis', () => {
  let h: TokensHarness;
  let keyPrefix: string;
  let store: PostgresEventStore;
  let redis: RedisClient;
  /** Where the live (base) generation's keys are. */
  let live: string;
  let readModel: CredentialReadModel;
  let clock: Date;
  let tokens: TokensService;

  const principal = (userId: string, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord =>
    serviceAccountRecord(userId, ORG, { permissions: { 'users:read': 'organization', 'teams:read': 'organization' }, ...overrides });
  const writePrincipal = (record: PrincipalRecord) => h.writePrincipal(record);
  const writePolicy = (record: OrganizationPolicyRecord) => h.writePolicy(record);
  const caller = (userId = ADMIN, overrides: Partial<PrincipalView> = {}): RequestContext =>
    adminContext(userId, ORG, {
      // An admin holds what the service accounts it issues tokens for hold, at least as widely.
      permissions: { 'tokens:read': 'organization', 'tokens:write': 'organization', 'users:read': 'organization', 'teams:read': 'organization' },
      ...overrides,
    });
  const send = <T>(payload: T, context = caller()): Envelope<T> => ({ context, payload });
  const issue = (body: Record<string, unknown> = {}, context?: RequestContext) =>
    tokens.issue(send({ user_id: SVC, name: 'webhooks', ...body }, context));
  const verify = (token: string, origin?: string | null, now = clock) => verifyCredential(token, { redis, keyPrefix, now, origin });

  beforeEach(async () => {
    h = await startTokensHarness({
      label: 'tok',
      clock: () => clock,
      exchangedTokenLifetimeSeconds: 30 * 86400,
      principals: [principal(SVC), principal(SVC2), principal(HUMAN, { accountType: 'user' })],
      policies: [{ organizationId: ORG, maxTokenLifetimeSeconds: null }],
    });
    ({ keyPrefix, store, redis, live, readModel, tokens } = h);
    clock = new Date();
  });

  afterEach(() => h.close());

  it('issues a token that verifies at once as its owner, storing only hashes', async () => {
    const issued = await issue();
    expect(issued).toMatchObject({ user_id: SVC, name: 'webhooks', enabled: true, prefix: 'wdn_p_', status: 'active', token: expect.stringMatching(/^wdn_p_/) });
    expect(issued.last_four).toBe(issued.token.slice(-4));
    const result = await verify(issued.token);
    expect(result).toMatchObject({ ok: true, principal: { userId: SVC, credential: { kind: 'api_token', id: issued.id } } });
    const events = await readAllCommitted(store);
    expect(JSON.stringify(events)).not.toContain(issued.token);
    expect(JSON.stringify(await dumpRedisPrefix(redis, keyPrefix))).not.toContain(issued.token);
    expect(await readModel.countOwnedTokens(ORG, SVC)).toBe(1);
    const read = await tokens.get(send({ id: issued.id }));
    expect(JSON.stringify(read)).not.toContain(issued.token);
  });

  it('issues and revokes without reading back what the command decided on, revoke reading the stream once, and skips the redelivery of an applied event at once', async () => {
    const reads = jest.spyOn(store, 'readStream');
    const issued = await issue();
    // A fresh token id: nothing to read, and the read model applied from the command's own events.
    expect(reads).not.toHaveBeenCalled();
    expect(await verify(issued.token)).toMatchObject({ ok: true, principal: { credential: { id: issued.id } } });

    await tokens.revoke(send({ id: issued.id }));
    // One read, the authorization's, which the command is decided on: none for the read model.
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });

    // What the JetStream consumer does with the events once relayed: no-ops, without a fold from the store.
    reads.mockClear();
    for (const event of await readAllCommitted(store)) expect(await readModel.apply(event)).toBe('skipped');
    expect(reads).not.toHaveBeenCalled();
    expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });
    reads.mockRestore();
  });

  it('answers every token write with the token as the read model then holds it, without reading its record back', async () => {
    const records = jest.spyOn(readModel, 'token');
    // Each write's answer (its secret aside) is what a read finds right after it, with no read of the record before it answered.
    const write = async <T extends { id: string; token?: string }>(command: () => Promise<T>): Promise<T> => {
      const before = records.mock.calls.length;
      const { token: _secret, ...answer } = await command();
      expect(records.mock.calls.length).toBe(before);
      expect(answer).toEqual(await tokens.get(send({ id: answer.id })));
      return answer as T;
    };
    const issued = await write(() => issue({ metadata: { team: 'payments', env: 'prod' }, rate_limit: { limit: 10, window_seconds: 60 } }));
    const answers = [
      issued,
      await write(() => tokens.update(send({ id: issued.id, description: 'billing', credits: { remaining: 5 } }))),
      await write(() => tokens.rotate(send({ id: issued.id, grace_period_seconds: 3600 }))),
      await write(() => tokens.disable(send({ id: issued.id }))),
      await write(() => tokens.enable(send({ id: issued.id }))),
      await write(() => tokens.reassign(send({ id: issued.id, user_id: SVC2 }))),
      await write(() => tokens.revoke(send({ id: issued.id }))),
    ];
    expect(answers.map((answer) => [answer.status, answer.user_id, answer.secrets.length])).toEqual([
      ['active', SVC, 1],
      ['active', SVC, 1],
      ['active', SVC, 2],
      ['disabled', SVC, 0],
      ['active', SVC, 2],
      ['active', SVC2, 2],
      ['revoked', SVC2, 0],
    ]);
    expect(answers[1]).toMatchObject({ description: 'billing', metadata: { env: 'prod', team: 'payments' }, rate_limit: { limit: 10, window_seconds: 60 } });
    records.mockRestore();
  });

  it('refuses a human owner and an owner of another organization', async () => {
    await expect(issue({ user_id: HUMAN })).rejects.toMatchObject({ code: TokensErrorCode.InvalidTokenOwner });
    await writePrincipal(principal(SVC2, { organizationId: OTHER_ORG }));
    await expect(issue({ user_id: SVC2 })).rejects.toMatchObject({ code: TokensErrorCode.InvalidTokenOwner });
    expect(await store.readAll({ limit: 10 })).toEqual([]);
  });

  it('hides the tokens of another organization as not found and needs tokens:write to issue', async () => {
    const issued = await issue();
    const stranger = caller(ADMIN, { organizationId: OTHER_ORG });
    await expect(tokens.get(send({ id: issued.id }, stranger))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotFound });
    await expect(tokens.revoke(send({ id: issued.id }, stranger))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotFound });
    const reader = caller(ADMIN, { permissions: { 'tokens:read': 'organization' } });
    await expect(issue({}, reader)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await tokens.list(send({}, stranger))).total).toBe(0);
  });

  it('shows in get and list the status verification decides, and refuses naming the same cause', async () => {
    const expiring = await issue({ expires_at: new Date(clock.getTime() + 60_000).toISOString() });
    const revoked = await issue();
    await tokens.revoke(send({ id: revoked.id }));
    const disabled = await issue();
    // The field the disable command writes on the token's records.
    const disabledAt = clock.toISOString();
    const tokenKey = live + tokenRecordKey(disabled.id);
    await redis.set(tokenKey, encodeTokenRecord({ ...decodeTokenRecord(disabled.id, (await redis.get(tokenKey))!), disabledAt }));
    const credential = live + credentialKey(secretHash(disabled.token));
    await redis.set(credential, JSON.stringify({ ...JSON.parse((await redis.get(credential))!), disabledAt }), 'KEEPTTL');
    const ownerGone = await issue({ user_id: SVC2 });
    await writePrincipal(principal(SVC2, { status: 'deactivated' }));
    const active = await issue();
    const later = new Date(clock.getTime() + 120_000);
    const statusOf = async (id: string) => (await tokens.get(send({ id }))).status;
    const agree = async (issued: IssuedTokenView, expected: string, at: Date) => {
      const verified = await verify(issued.token, null, at);
      expect([issued.name, verified.ok ? 'active' : verified.reason]).toEqual([issued.name, expected]);
    };
    clock = later;
    expect(await statusOf(expiring.id)).toBe('expired');
    await agree(expiring, 'expired', later);
    expect(await statusOf(revoked.id)).toBe('revoked');
    await agree(revoked, 'revoked', later);
    expect(await statusOf(disabled.id)).toBe('disabled');
    await agree(disabled, 'disabled', later);
    expect(await statusOf(ownerGone.id)).toBe('owner_inactive');
    await agree(ownerGone, 'owner_inactive', later);
    expect(await statusOf(active.id)).toBe('active');
    await agree(active, 'active', later);
    const listed = await tokens.list(send({ page_size: 10 }));
    expect(Object.fromEntries(listed.results.map((view) => [view.id, view.status]))).toEqual({
      [expiring.id]: 'expired',
      [revoked.id]: 'revoked',
      [disabled.id]: 'disabled',
      [ownerGone.id]: 'owner_inactive',
      [active.id]: 'active',
    });
    expect((await tokens.list(send({ status: 'owner_inactive' }))).results.map((view) => view.id)).toEqual([ownerGone.id]);
    expect((await tokens.list(send({ status: 'disabled' }))).results.map((view) => view.id)).toEqual([disabled.id]);
    // The organization's lifetime cap expires what it outlives, in the listing as at verification.
    await writePolicy({ organizationId: ORG, maxTokenLifetimeSeconds: 60 });
    expect(await statusOf(active.id)).toBe('expired');
    await agree(active, 'expired', later);
    expect((await tokens.list(send({ status: 'active' }))).results).toEqual([]);
  });

  it('sets a usage policy at issue and by update, shows it, and applies it at verification without re-granting credits on a replay', async () => {
    const issued = await issue({
      description: 'CI pipeline',
      metadata: { team: 'billing', ticket: 'OPS-1' },
      allowed_ips: ['203.0.113.0/24'],
      credits: { remaining: 2 },
    });
    expect(issued).toMatchObject({
      description: 'CI pipeline',
      metadata: { team: 'billing', ticket: 'OPS-1' },
      allowed_ips: ['203.0.113.0/24'],
      rate_limit: null,
      credits: { granted: 2, refill: null },
    });
    const introspect = (client_address?: string) => tokens.verify(send(client_address ? { token: issued.token, client_address } : { token: issued.token }));
    expect(await introspect('198.51.100.7')).toEqual({ active: false, reason: 'ip_not_allowed' });
    expect(await introspect()).toEqual({ active: false, reason: 'ip_not_allowed' });
    expect(await introspect('203.0.113.7')).toMatchObject({ active: true, credits_remaining: 1 });
    expect(await introspect('203.0.113.7')).toMatchObject({ active: true, credits_remaining: 0 });
    expect(await introspect('203.0.113.7')).toEqual({ active: false, reason: 'credits_exhausted' });

    // A replay of the read model rewrites the record from the events: the credits are not granted again.
    await readModel.runner.rebuild();
    expect(await introspect('203.0.113.7')).toEqual({ active: false, reason: 'credits_exhausted' });

    const updated = await tokens.update(send({ id: issued.id, allowed_ips: [], rate_limit: { limit: 1, window_seconds: 3600 }, credits: { remaining: 5 } }));
    expect(updated).toMatchObject({ description: 'CI pipeline', allowed_ips: [], rate_limit: { limit: 1, window_seconds: 3600 }, credits: { granted: 5 } });
    expect(await tokens.get(send({ id: issued.id }))).toMatchObject({ rate_limit: { limit: 1, window_seconds: 3600 }, credits: { granted: 5 } });
    expect(await introspect()).toMatchObject({ active: true, credits_remaining: 4, rate_limit: { limit: 1, remaining: 0, window_seconds: 3600 } });
    expect(await introspect()).toMatchObject({ active: false, reason: 'rate_limited', rate_limit: { remaining: 0 } });

    // Bad input: 422 naming the field, and nothing written.
    const before = (await readAllCommitted(store)).length;
    await expect(tokens.update(send({ id: issued.id, allowed_ips: ['10.0.0.1/8'] }))).rejects.toMatchObject({
      code: TokensErrorCode.InvalidTokenPolicy,
      errors: [{ field: 'allowed_ips[0]' }],
    });
    await expect(tokens.update(send({ id: issued.id, rate_limit: { limit: 0, window_seconds: 60 } }))).rejects.toMatchObject({ code: 'validation_failed' });
    expect((await readAllCommitted(store)).length).toBe(before);
    // Within the caller's permissions, as any token write.
    const reader = caller(ADMIN, { permissions: { 'tokens:read': 'organization' } });
    await expect(tokens.update(send({ id: issued.id, rate_limit: null }, reader))).rejects.toMatchObject({ code: 'forbidden' });
  });

  describe('exact origin matching of a public token', () => {
    it('stores origins normalized and accepts only the canonical Origin', async () => {
      const issued = await issue({ visibility: 'public', allowed_origins: ['HTTPS://App.Example.com:443/', 'https://bücher.example', 'http://localhost:8080'] });
      expect(issued.allowed_origins).toEqual(['https://app.example.com', 'https://xn--bcher-kva.example', 'http://localhost:8080']);
      const cases: [string | null, boolean][] = [
        ['https://app.example.com', true],
        ['https://APP.example.com', false],
        ['HTTPS://app.example.com', false],
        ['https://app.example.com/', false],
        ['https://app.example.com:443', false],
        ['http://app.example.com', false],
        ['https://app.example.com.evil.com', false],
        ['https://evil.app.example.com', false],
        ['https://user@app.example.com', false],
        ['null', false],
        [null, false],
        ['https://xn--bcher-kva.example', true],
        ['https://bücher.example', false],
        ['http://localhost:8080', true],
        ['http://localhost', false],
      ];
      for (const [origin, ok] of cases) {
        const result = await verify(issued.token, origin);
        expect([origin, result.ok ? 'ok' : result.reason]).toEqual([origin, ok ? 'ok' : 'origin_not_allowed']);
      }
    });

    it('refuses wildcards and paths naming the field, and writes nothing', async () => {
      await expect(issue({ visibility: 'public', allowed_origins: ['https://*.example.com'] })).rejects.toMatchObject({
        code: TokensErrorCode.InvalidAllowedOrigins,
        errors: [{ field: 'allowed_origins[0]', message: expect.stringMatching(/wildcard/) }],
      });
      await expect(issue({ visibility: 'public', allowed_origins: ['https://a.example.com', 'https://a.example.com/path'] })).rejects.toMatchObject({
        errors: [{ field: 'allowed_origins[1]' }],
      });
      expect(await store.readAll({ limit: 10 })).toEqual([]);
    });
  });

  it('keeps both secrets valid during the grace period, then only the new one', async () => {
    const issued = await issue();
    const rotated = await tokens.rotate(send({ id: issued.id, grace_period_seconds: 60 }));
    expect(rotated.token).not.toBe(issued.token);
    expect(rotated.last_four).toBe(rotated.token.slice(-4));
    expect((await verify(issued.token)).ok).toBe(true);
    expect((await verify(rotated.token)).ok).toBe(true);
    // the old record outlives the end of the grace period by the retention that lets a refusal name its cause
    const oldKey = live + credentialKey(secretHash(issued.token));
    expect(Number(await redis.call('PEXPIRETIME', oldKey))).toBe(clock.getTime() + 60_000 + ENDED_CREDENTIAL_RETENTION_SECONDS * 1000);
    const afterGrace = new Date(clock.getTime() + 60_000);
    expect(await verify(issued.token, null, afterGrace)).toMatchObject({ ok: false, reason: 'rotated_out' });
    expect((await verify(rotated.token, null, afterGrace)).ok).toBe(true);
  });

  it('ends the old secret at once with a grace period of 0', async () => {
    const issued = await issue();
    const rotated = await tokens.rotate(send({ id: issued.id, grace_period_seconds: 0 }));
    expect((await verify(issued.token, null, new Date())).ok).toBe(false);
    expect((await verify(rotated.token, null, new Date())).ok).toBe(true);
  });

  it('refuses every secret of a revoked token from the moment revoke answers', async () => {
    const issued = await issue();
    const rotated = await tokens.rotate(send({ id: issued.id, grace_period_seconds: 3600 }));
    const revoked = await tokens.revoke(send({ id: issued.id }));
    expect(revoked).toMatchObject({ status: 'revoked', enabled: false });
    expect(await verify(issued.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await verify(rotated.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await readModel.countOwnedTokens(ORG, SVC)).toBe(0);
    await expect(tokens.rotate(send({ id: issued.id }))).rejects.toMatchObject({ code: TokensErrorCode.TokenNotActive });
  });

  it('reassigns to another service account only, moving ownership and the verified principal', async () => {
    const issued = await issue();
    await expect(tokens.reassign(send({ id: issued.id, user_id: HUMAN }))).rejects.toMatchObject({ code: TokensErrorCode.InvalidTokenOwner });
    const moved = await tokens.reassign(send({ id: issued.id, user_id: SVC2 }));
    expect(moved.user_id).toBe(SVC2);
    expect(await readModel.countOwnedTokens(ORG, SVC)).toBe(0);
    expect(await readModel.countOwnedTokens(ORG, SVC2)).toBe(1);
    expect(await verify(issued.token)).toMatchObject({ ok: true, principal: { userId: SVC2 } });
  });

  it('stops a deactivated owner\'s tokens at once and brings them back on reactivation, unless revoked or expired meanwhile', async () => {
    const kept = await issue();
    const revokedMeanwhile = await issue();
    const expiring = await issue({ expires_at: new Date(clock.getTime() + 60_000).toISOString() });
    await writePrincipal(principal(SVC, { status: 'deactivated' }));
    for (const token of [kept, revokedMeanwhile, expiring]) expect(await verify(token.token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
    await tokens.revoke(send({ id: revokedMeanwhile.id }));
    clock = new Date(clock.getTime() + 120_000);
    await writePrincipal(principal(SVC));
    expect((await verify(kept.token)).ok).toBe(true);
    expect(await verify(revokedMeanwhile.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await verify(expiring.token)).toMatchObject({ ok: false, reason: 'expired' });
    await writePrincipal(principal(SVC, { status: 'deleted' }));
    expect(await verify(kept.token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
  });

  it('changes what a token may do at once when its owner\'s account type is converted', async () => {
    const narrowed = await issue({ permissions: ['users:read'] });
    const full = await issue();
    expect(await verify(full.token)).toMatchObject({ ok: true, principal: { accountType: 'service_external', permissions: { 'users:read': 'organization', 'teams:read': 'organization' } } });
    await writePrincipal(principal(SVC, { accountType: 'service_internal' }));
    expect(await verify(full.token)).toMatchObject({ ok: true, principal: { accountType: 'service_internal' } });
    // narrowed: still only what it names, never the internal account's blanket powers
    expect(await verify(narrowed.token)).toMatchObject({ ok: true, principal: { permissions: { 'users:read': 'organization' }, isSuperAdmin: false, credential: { permissions: ['users:read'] } } });
    await writePrincipal(principal(SVC, { accountType: 'user' }));
    expect(await verify(full.token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
    // the owner loses the permission: the narrowed token loses it with it
    await writePrincipal(principal(SVC, { permissions: {} }));
    expect(await verify(narrowed.token)).toMatchObject({ ok: true, principal: { permissions: {} } });
  });

  it('enforces the organization\'s maximum lifetime at issue and at use', async () => {
    await writePolicy({ organizationId: ORG, maxTokenLifetimeSeconds: 3600 });
    await expect(issue({ expires_at: new Date(clock.getTime() + 3601_000).toISOString() })).rejects.toMatchObject({ code: TokensErrorCode.InvalidTokenExpiry });
    const capped = await issue();
    expect(capped.expires_at).toBe(new Date(clock.getTime() + 3600_000).toISOString());
    await writePolicy({ organizationId: ORG, maxTokenLifetimeSeconds: null });
    const unlimited = await issue();
    expect(unlimited.expires_at).toBeNull();
    // lowering the setting shortens the tokens already out
    await writePolicy({ organizationId: ORG, maxTokenLifetimeSeconds: 60 });
    expect((await verify(unlimited.token, null, new Date(clock.getTime() + 59_000))).ok).toBe(true);
    expect(await verify(unlimited.token, null, new Date(clock.getTime() + 60_000))).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('exchanges a service account\'s login key for a long-lived token, capped by the organization', async () => {
    const sessions = h.sessions;
    const login = await sessions.start({ context: { correlationId: 'x', actorType: 'anonymous' }, payload: { userId: SVC, organizationId: ORG } });
    const session = await verify(login.key);
    if (!session.ok) throw new Error('the session did not verify');
    await writePolicy({ organizationId: ORG, maxTokenLifetimeSeconds: 7200 });
    const asSession: RequestContext = { correlationId: 'x', actorType: 'service_external', actorId: SVC, principal: session.principal };
    const exchanged: IssuedTokenView = await tokens.exchange(send({}, asSession));
    expect(exchanged).toMatchObject({ user_id: SVC, expires_at: new Date(clock.getTime() + 7200_000).toISOString() });
    expect(await verify(exchanged.token)).toMatchObject({ ok: true, principal: { userId: SVC, credential: { kind: 'api_token' } } });
    // a token cannot be exchanged again, and a human's login cannot be exchanged
    const viaToken = await verify(exchanged.token);
    if (!viaToken.ok) throw new Error('unreachable');
    await expect(tokens.exchange(send({}, { ...asSession, principal: viaToken.principal }))).rejects.toMatchObject({ code: TokensErrorCode.TokenExchangeNotAllowed });
    await expect(tokens.exchange(send({}, caller()))).rejects.toMatchObject({ code: TokensErrorCode.TokenExchangeNotAllowed });
  });

  it('answers tokens.verify with the same verifier, the reason included, and lists with filters', async () => {
    const issued = await issue();
    const other = await issue({ user_id: SVC2 });
    await tokens.revoke(send({ id: other.id }));
    const active: TokenIntrospection = await tokens.verify(send({ token: issued.token }));
    expect(active).toMatchObject({ active: true, token_id: issued.id, user_id: SVC, organization_id: ORG, token_type: 'api_token' });
    expect(await tokens.verify(send({ token: other.token }))).toEqual({ active: false, reason: 'revoked' });
    expect(await tokens.verify(send({ token: 'wdn_p_nonsense' }))).toEqual({ active: false, reason: 'malformed' });

    expect((await tokens.list(send({}))).results.map((t) => t.id)).toEqual([other.id, issued.id]);
    expect((await tokens.list(send({ owner: SVC }))).results.map((t) => t.id)).toEqual([issued.id]);
    expect((await tokens.list(send({ status: 'revoked' }))).results.map((t) => t.id)).toEqual([other.id]);
    expect(await tokens.list(send({ page: '2', page_size: '1' }))).toMatchObject({ total: 2, page: 2, page_size: 1, results: [{ id: issued.id }] });
  });

  it('lists and reads tokens from the read model alone, a page cut from the index newest first, while the event store refuses every call', async () => {
    const issued: IssuedTokenView[] = [];
    for (let i = 0; i < 5; i++) {
      issued.push(await issue({ name: `t${i}` }));
      // Distinct creation times: the index is scored by them.
      clock = new Date(clock.getTime() + 1000);
    }
    const calls: string[] = [];
    const readOnly = new TokensService({
      store: refusingEventStore(calls),
      readModel,
      storeVerification: h.storeVerification,
      redis,
      keyPrefix,
      randomBytes: () => Buffer.alloc(32),
      exchangedTokenLifetimeSeconds: 86400,
      clock: () => clock,
    });
    const newestFirst = [...issued].reverse().map((token) => token.id);
    expect(await readOnly.list(send({ page: '1', page_size: '2' }))).toMatchObject({ total: 5, page: 1, page_size: 2 });
    expect((await readOnly.list(send({ page: '1', page_size: '2' }))).results.map((t) => t.id)).toEqual(newestFirst.slice(0, 2));
    expect((await readOnly.list(send({ page: '3', page_size: '2' }))).results.map((t) => t.id)).toEqual(newestFirst.slice(4));
    expect((await readOnly.list(send({ page: '4', page_size: '2' }))).results).toEqual([]);
    // the same pages from the owner's listing index
    expect((await readOnly.list(send({ owner: SVC, page: '1', page_size: '2' }))).results.map((t) => t.id)).toEqual(newestFirst.slice(0, 2));
    expect(await readOnly.get(send({ id: issued[2]!.id }))).toEqual(await tokens.get(send({ id: issued[2]!.id })));
    expect(calls).toEqual([]);
  });

  it('records last use from the gateways\' hash as one TokenUsed event, not one per request', async () => {
    const issued = await issue();
    const usedAt = clock.getTime() + 5000;
    await redis.hset(keyPrefix + TOKEN_LAST_USED_KEY, issued.id, String(usedAt), 'no-such-token', String(usedAt));
    expect(await tokens.recordUses()).toBe(1);
    expect((await tokens.get(send({ id: issued.id }))).last_used_at).toBe(new Date(usedAt).toISOString());
    expect(await redis.hlen(keyPrefix + TOKEN_LAST_USED_KEY)).toBe(0);
    // the same use reported again records nothing
    await redis.hset(keyPrefix + TOKEN_LAST_USED_KEY, issued.id, String(usedAt));
    expect(await tokens.recordUses()).toBe(0);
    expect((await readAllCommitted(store)).filter((e) => e.type === 'TokenUsed')).toHaveLength(1);
  });

  it("takes a verifier's report of a use off the hash only while no later one replaced it", async () => {
    const key = keyPrefix + TOKEN_LAST_USED_KEY;
    await redis.hset(key, 'tok-a', '2000');
    expect(await redis.wardenTakeTokenUse(key, 'tok-a', '1000')).toBe(0); // a later use came meanwhile
    expect(await redis.hget(key, 'tok-a')).toBe('2000');
    expect(await redis.wardenTakeTokenUse(key, 'tok-a', '2000')).toBe(1);
    expect(await redis.hexists(key, 'tok-a')).toBe(0);
    expect(await redis.wardenTakeTokenUse(key, 'tok-a', '2000')).toBe(0);
  });

  it('rebuilds, after Redis lost it, exactly the read model it had, while verification answers from the event store', async () => {
    const kept = await issue({ visibility: 'public', allowed_origins: ['https://app.example.com'], permissions: ['users:read'] });
    const rotated = await tokens.rotate(send({ id: kept.id, grace_period_seconds: 3600 }));
    const revoked = await issue();
    await tokens.revoke(send({ id: revoked.id }));
    const moved = await issue();
    await tokens.reassign(send({ id: moved.id, user_id: SVC2 }));
    await redis.hset(keyPrefix + TOKEN_LAST_USED_KEY, moved.id, String(clock.getTime() + 1000));
    await tokens.recordUses();

    const usersServiceRecords = [principalRecordsKey(keyPrefix), organizationPoliciesKey(keyPrefix)];
    const cacheKeys: string[] = Object.values(verificationCacheKeys(keyPrefix));
    const onlyReadModel = (key: string) => key === keyPrefix + CREDENTIAL_READ_MODEL_READY_KEY || usersServiceRecords.includes(key) || cacheKeys.includes(key);
    const before = await dumpRedisPrefix(redis, keyPrefix, { exclude: onlyReadModel });
    expect(Object.keys(before).filter((key) => key.includes(':credential:'))).toHaveLength(4);

    await deleteRedisPrefix(redis, keyPrefix);
    await writePrincipal(principal(SVC));
    await writePrincipal(principal(SVC2));
    expect(await readModel.isReady()).toBe(false);
    expect((await readModel.healthCheck().check()).status).toBe('degraded');
    // tokens.verify during the loss: decided from the event store, without waiting
    expect(await tokens.verify(send({ token: rotated.token, origin: 'https://app.example.com' }))).toMatchObject({ active: true, token_id: kept.id });
    expect(await tokens.verify(send({ token: revoked.token }))).toEqual({ active: false, reason: 'revoked' });
    await readModel.runner.rebuild();
    expect(await dumpRedisPrefix(redis, keyPrefix, { exclude: onlyReadModel })).toEqual(before);
    expect((await readModel.healthCheck().check())).toEqual({ status: 'up', detail: expect.stringMatching(/^rebuilt at .* from \d+ events$/) });
    expect(await verify(revoked.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await verify(moved.token)).toMatchObject({ ok: true, principal: { userId: SVC2 } });
  });
});
