import { randomBytes } from 'node:crypto';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  BASE62_ALPHABET,
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CREDENTIAL_READ_MODEL_READY_KEY,
  CredentialRecord,
  PrincipalRecord,
  PrincipalView,
  TOKEN_LAST_USED_KEY,
  credentialGenerationPrefix,
  credentialKey,
  formatSecret,
  organizationPoliciesKey,
  secretHash,
} from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import {
  deleteRedisPrefix,
  testRedis,
  testRedisVerifierConnection,
  uniqueTestId,
  writeOrganizationPolicy,
  writePrincipalRecord,
} from '@warden/testing';
import { RequirePermission, WardenAuthGuard, WardenAuthModule, WardenPrincipal } from './warden-auth.guard';
import { CredentialReadModelUnavailableError } from './verify-credential';
import { WardenVerifier, createWardenVerifier } from './warden-verifier';

// The library as a receiving service uses it, on real Redis, reading records written here
// with the contract's key helpers in the shape the tokens and users services write them.
let redis: RedisClient;
let keyPrefix: string;
/** Where the live (base) generation's keys are. */
let live: string;
let verify: WardenVerifier;

const principal: PrincipalRecord = {
  userId: 'u-hooks',
  organizationId: 'o-acme',
  accountType: 'service_external',
  username: 'docusign-webhooks@acme',
  roles: ['RECORDS_WRITER'],
  teams: [],
  permissions: { 'records:write': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
  status: 'active',
};

function newToken(): string {
  return formatSecret('api_token', Array.from(randomBytes(32), (byte) => BASE62_ALPHABET[byte % 62]).join(''));
}

async function issue(record: Partial<CredentialRecord> = {}): Promise<string> {
  const token = newToken();
  const full: CredentialRecord = {
    kind: 'api_token',
    credentialId: `tok-${token.slice(-6)}`,
    userId: principal.userId,
    organizationId: principal.organizationId,
    expiresAt: null,
    status: 'active',
    ...record,
  };
  await redis.set(live + credentialKey(secretHash(token)), JSON.stringify(full));
  return token;
}

beforeAll(async () => {
  redis = testRedis();
  keyPrefix = `${uniqueTestId('verifier')}:`;
  live = keyPrefix + credentialGenerationPrefix('');
  await writePrincipalRecord(redis, keyPrefix, principal);
  await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, ''); // the base generation, built
  verify = createWardenVerifier({ ...testRedisVerifierConnection(), keyPrefix });
});

afterAll(async () => {
  await verify.close();
  await deleteRedisPrefix(redis, keyPrefix);
  redis.disconnect();
});

describe('createWardenVerifier', () => {
  it('accepts an active token of an active owner and names the owner and the token', async () => {
    const token = await issue({ credentialId: 'tok-active' });
    const result = await verify(token);
    expect(result).toMatchObject({ ok: true, principal: { userId: 'u-hooks', organizationId: 'o-acme', credential: { kind: 'api_token', id: 'tok-active' } } });
  });

  it('refuses a token from the moment its record says revoked', async () => {
    const token = await issue();
    expect((await verify(token)).ok).toBe(true);
    const key = live + credentialKey(secretHash(token));
    const record = JSON.parse((await redis.get(key))!) as CredentialRecord;
    await redis.set(key, JSON.stringify({ ...record, status: 'revoked' }));
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('refuses a token whose owner is deactivated, and accepts it again on reactivation', async () => {
    const token = await issue();
    await writePrincipalRecord(redis, keyPrefix, { ...principal, status: 'deactivated' });
    try {
      expect(await verify(token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
    } finally {
      await writePrincipalRecord(redis, keyPrefix, principal);
    }
    expect((await verify(token)).ok).toBe(true);
  });

  it('checks a public token against the origin passed in, exactly', async () => {
    const token = await issue({ allowedOrigins: ['https://app.acme.example'] });
    expect((await verify(token, { origin: 'https://app.acme.example' })).ok).toBe(true);
    expect(await verify(token, { origin: 'https://app.acme.example:8443' })).toMatchObject({ ok: false, reason: 'origin_not_allowed' });
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'origin_not_allowed' });
  });

  it('refuses a token with a typo without a lookup, and an unissued one after one', async () => {
    const token = newToken();
    const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    expect(await verify(typo)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('uses a client it is given and leaves it open on close', async () => {
    const own = testRedis();
    const borrowed = createWardenVerifier({ redis: own, keyPrefix });
    expect((await borrowed(await issue())).ok).toBe(true);
    await borrowed.close();
    expect(await own.ping()).toBe('PONG');
    own.disconnect();
  });

  it('while the read model is not ready, asks the fallback, or without one throws rather than refuse', async () => {
    const token = await issue();
    const revoked = await issue({ status: 'revoked' });
    await redis.del(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY);
    try {
      // A record present while no generation is named may predate its revocation: never trusted.
      const asked: Array<[string, string | null]> = [];
      const withFallback = createWardenVerifier({
        redis,
        keyPrefix,
        fallback: async (presented, origin) => {
          asked.push([presented, origin]);
          return { ok: false, reason: 'revoked' };
        },
      });
      expect(await withFallback(token, { origin: 'https://app.acme.example' })).toMatchObject({ ok: false, reason: 'revoked' });
      expect(asked).toEqual([[token, 'https://app.acme.example']]);
      await expect(verify(revoked)).rejects.toBeInstanceOf(CredentialReadModelUnavailableError);
    } finally {
      await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, ''); // the base generation, built
    }
    expect((await verify(token)).ok).toBe(true);
  });

  it('reads the generation the pointer names, from the first verification after a swap on, and trusts no ready marker without the pointer', async () => {
    const token = newToken();
    const record: CredentialRecord = { kind: 'api_token', credentialId: 'tok-gen', userId: principal.userId, organizationId: principal.organizationId, expiresAt: null, status: 'active' };
    await redis.set(keyPrefix + credentialGenerationPrefix('g1') + credentialKey(secretHash(token)), JSON.stringify(record));
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'unknown' }); // the base generation is live
    const inBase = await issue({ credentialId: 'tok-base-only' });
    await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, 'g1');
    try {
      // The verifier last saw the base generation live: the script says g1 is, and it asks there.
      expect(await verify(token)).toMatchObject({ ok: true, principal: { credential: { id: 'tok-gen' } } });
      expect(await verify(inBase)).toMatchObject({ ok: false, reason: 'unknown' });
      await redis.del(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY);
      await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_READY_KEY, 'built');
      await expect(verify(token)).rejects.toBeInstanceOf(CredentialReadModelUnavailableError);
    } finally {
      await redis.del(keyPrefix + CREDENTIAL_READ_MODEL_READY_KEY);
      await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, ''); // the base generation, built
    }
  });

  it('finds the owner and the organization policy whatever the order of the record\'s fields', async () => {
    const token = newToken();
    const issuedAt = new Date(Date.now() - 120_000).toISOString();
    const reordered = { status: 'active', expiresAt: null, issuedAt, organizationId: principal.organizationId, credentialId: 'tok-order', kind: 'api_token', userId: principal.userId };
    await redis.set(live + credentialKey(secretHash(token)), JSON.stringify(reordered));
    expect(await verify(token)).toMatchObject({ ok: true, principal: { userId: 'u-hooks', credential: { id: 'tok-order' } } });
    // The organization's cap is read in the same round trip: a minute, for a secret issued two minutes ago.
    await writeOrganizationPolicy(redis, keyPrefix, { organizationId: principal.organizationId, maxTokenLifetimeSeconds: 60 });
    try {
      expect(await verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    } finally {
      await redis.hdel(organizationPoliciesKey(keyPrefix), principal.organizationId);
    }
  });

  it('fails closed on a record naming an owner it cannot be matched with', async () => {
    const other: PrincipalRecord = { ...principal, userId: 'u-other', organizationId: 'o-other' };
    await writePrincipalRecord(redis, keyPrefix, other);
    // The owner id cut out by the script is the record's; the principal read must name it back.
    expect(await verify(await issue({ userId: 'u-other' }))).toMatchObject({ ok: false, reason: 'owner_inactive' });
    const token = newToken();
    await redis.set(live + credentialKey(secretHash(token)), JSON.stringify({ kind: 'api_token', credentialId: 'tok-no-owner', status: 'active', expiresAt: null }));
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'owner_inactive' });
  });

  it('needs either a client or where to open one, or introspection alone', () => {
    expect(() => createWardenVerifier({ keyPrefix })).toThrow(TypeError);
    expect(() => createWardenVerifier({ keyPrefix, redis, redisUrl: 'redis://127.0.0.1:6379' })).toThrow(TypeError);
    expect(() => createWardenVerifier({ keyPrefix, redisClusterNodes: ['127.0.0.1'] })).toThrow(/host:port/);
    const both = { introspection: { url: 'http://127.0.0.1:9/api/v1/tokens/verify', credential: 'x' }, redisUrl: 'redis://127.0.0.1:6379' };
    expect(() => createWardenVerifier(both as unknown as Parameters<typeof createWardenVerifier>[0])).toThrow(TypeError);
  });

  it("notes the last use of an accepted API token in Warden's Redis, as the gateway does, and none of a refused one", async () => {
    const usedAt = new Date('2031-02-03T04:05:06.000Z');
    const noting = createWardenVerifier({ redis, keyPrefix, clock: () => usedAt, lastUseFlushMs: 60_000 });
    const accepted = await issue({ credentialId: 'tok-used' });
    const refused = await issue({ credentialId: 'tok-refused', status: 'revoked' });
    expect((await noting(accepted)).ok).toBe(true);
    expect((await noting(refused)).ok).toBe(false);
    await noting.close(); // writes what is pending
    const uses = await redis.hgetall(keyPrefix + TOKEN_LAST_USED_KEY);
    expect(uses['tok-used']).toBe(String(usedAt.getTime()));
    expect(uses).not.toHaveProperty('tok-refused');
  });
});

@Controller('envelopes')
@UseGuards(WardenAuthGuard)
class EnvelopesController {
  @Get('status')
  @RequirePermission('records:write', { scope: 'organization' })
  status(@WardenPrincipal() caller: PrincipalView) {
    return { updatedBy: caller.userId };
  }
}

describe('WardenAuthModule with the guard, on real Redis', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    @Module({ imports: [WardenAuthModule.forRoot({ ...testRedisVerifierConnection(), keyPrefix })], controllers: [EnvelopesController] })
    class WebhookProcessorModule {}
    app = await NestFactory.create<NestFastifyApplication>(WebhookProcessorModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets a token holding the permission through, and refuses it once revoked', async () => {
    const token = await issue();
    const ok = await app.inject({ method: 'GET', url: '/envelopes/status', headers: { 'x-api-key': token } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ updatedBy: 'u-hooks' });

    const key = live + credentialKey(secretHash(token));
    await redis.set(key, JSON.stringify({ ...(JSON.parse((await redis.get(key))!) as CredentialRecord), status: 'revoked' }));
    const refused = await app.inject({ method: 'GET', url: '/envelopes/status', headers: { 'x-api-key': token } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('answers 503 service_unavailable, not 401, while the read model is being rebuilt', async () => {
    const token = await issue();
    await redis.del(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY);
    try {
      const response = await app.inject({ method: 'GET', url: '/envelopes/status', headers: { 'x-api-key': token } });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'service_unavailable', status: 503 });
    } finally {
      await redis.set(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, ''); // the base generation, built
    }
  });
});
