import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { PrincipalView } from '@warden/contracts';
import { VerificationResult } from './verify-credential';
import { holdsPermission } from './request-authentication';
import { RequirePermission, WARDEN_AUTH_OPTIONS, WARDEN_VERIFIER, WardenAuthGuard, WardenPrincipal } from './warden-auth.guard';
import { VerifyPresentedOptions } from './warden-verifier';

// The guard in a real Nest application on Fastify (requests injected, no network), with a
// fake verifier: which key the guard presents, what it does with each answer.
const principal: PrincipalView = {
  userId: 'u-1',
  organizationId: 'o-1',
  accountType: 'service_external',
  roles: ['RECORDS_WRITER'],
  teams: ['t-1'],
  permissions: { 'records:write': 'team', 'records:read': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
  credential: { kind: 'api_token', id: 'tok-1', expiresAt: null },
};
const GOOD = 'wdn_p_good';
const calls: { presented: string; options?: VerifyPresentedOptions }[] = [];
let answers: Record<string, VerificationResult> = {};
const fakeVerify = async (presented: string, options?: VerifyPresentedOptions): Promise<VerificationResult> => {
  calls.push({ presented, options });
  return answers[presented] ?? { ok: false, reason: 'unknown' };
};

@Controller('records')
@UseGuards(WardenAuthGuard)
class RecordsController {
  @Get('whoami')
  whoami(@WardenPrincipal() caller: PrincipalView) {
    return { userId: caller.userId, tokenId: caller.credential.id };
  }

  @Get('write')
  @RequirePermission('records:write')
  write() {
    return { written: true };
  }

  @Get('write-everywhere')
  @RequirePermission('records:write', { scope: 'organization' })
  writeEverywhere() {
    return { written: true };
  }
}

async function appWith(requiredPermission?: string): Promise<NestFastifyApplication> {
  @Module({
    controllers: [RecordsController],
    providers: [
      { provide: WARDEN_VERIFIER, useValue: fakeVerify },
      { provide: WARDEN_AUTH_OPTIONS, useValue: { requiredPermission } },
      WardenAuthGuard,
    ],
  })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

let app: NestFastifyApplication;
beforeAll(async () => {
  app = await appWith();
});
afterAll(async () => {
  await app.close();
});
beforeEach(() => {
  calls.length = 0;
  answers = { [GOOD]: { ok: true, principal } };
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('WardenAuthGuard', () => {
  it('verifies a bearer key with the request origin and hands the principal to the handler', async () => {
    const response = await get('/records/whoami', { authorization: `Bearer ${GOOD}`, origin: 'https://app.example.com' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'u-1', tokenId: 'tok-1' });
    expect(calls).toEqual([{ presented: GOOD, options: { origin: 'https://app.example.com', clientAddress: '127.0.0.1' } }]);
  });

  it('accepts the key in x-api-key, with no origin when none was sent', async () => {
    const response = await get('/records/whoami', { 'x-api-key': GOOD });
    expect(response.statusCode).toBe(200);
    expect(calls).toEqual([{ presented: GOOD, options: { origin: null, clientAddress: '127.0.0.1' } }]);
  });

  it.each([
    ['no credential', {}],
    ['another scheme', { authorization: `Basic ${GOOD}` }],
    ['two different keys', { authorization: `Bearer ${GOOD}`, 'x-api-key': 'wdn_p_other' }],
  ])('refuses %s with 401 and a problem document, without asking the verifier', async (_what, headers) => {
    const response = await get('/records/whoami', headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="warden"');
    expect(response.json()).toEqual({
      type: 'urn:warden:problem:unauthenticated',
      title: 'Authentication required',
      status: 401,
      detail: 'A valid Warden session key or API token is required',
      code: 'unauthenticated',
    });
    expect(calls).toEqual([]);
  });

  it('answers a token past its rate limit 429 with Retry-After and the RateLimit fields, and reports the limit on an accepted one', async () => {
    const resetAt = Date.now() + 30_000;
    answers['wdn_p_limited'] = { ok: false, reason: 'rate_limited', rateLimit: { limit: 10, windowSeconds: 60, remaining: 0, resetAt } };
    const limited = await get('/records/whoami', { authorization: 'Bearer wdn_p_limited' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect(limited.headers['ratelimit-policy']).toBe('"token";q=10;w=60');
    expect(limited.headers['ratelimit']).toMatch(/^"token";r=0;t=(29|30)$/);
    answers['wdn_p_counted'] = { ok: true, principal, usage: { rateLimit: { limit: 10, windowSeconds: 60, remaining: 7, resetAt } } };
    const counted = await get('/records/whoami', { authorization: 'Bearer wdn_p_counted' });
    expect(counted.statusCode).toBe(200);
    expect(counted.headers['ratelimit']).toMatch(/^"token";r=7;t=(29|30)$/);
  });

  it.each(['unknown', 'revoked', 'expired', 'rotated_out', 'disabled', 'owner_inactive', 'origin_not_allowed', 'ip_not_allowed', 'credits_exhausted', 'malformed'] as const)(
    'refuses a key the verifier calls %s with the same 401, not saying why',
    async (reason) => {
      answers['wdn_p_refused'] = { ok: false, reason };
      const response = await get('/records/whoami', { authorization: 'Bearer wdn_p_refused' });
      expect(response.statusCode).toBe(401);
      expect(response.json().detail).toBe('A valid Warden session key or API token is required');
      expect(response.body).not.toContain(reason);
    },
  );

  it('lets through a route requiring a permission the caller holds, at any scope by default', async () => {
    expect((await get('/records/write', { authorization: `Bearer ${GOOD}` })).statusCode).toBe(200);
  });

  it('answers 403 with a problem document when an organization-wide grant is required and the caller has a team grant', async () => {
    const response = await get('/records/write-everywhere', { authorization: `Bearer ${GOOD}` });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ status: 403, code: 'forbidden', detail: 'This route requires the permission records:write' });
  });

  it('applies the module-wide required permission to routes that do not name one', async () => {
    const strict = await appWith('records:delete');
    try {
      const response = await strict.inject({ method: 'GET', url: '/records/whoami', headers: { authorization: `Bearer ${GOOD}` } });
      expect(response.statusCode).toBe(403);
      // a route's own @RequirePermission overrides the default
      const write = await strict.inject({ method: 'GET', url: '/records/write', headers: { authorization: `Bearer ${GOOD}` } });
      expect(write.statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('holdsPermission', () => {
  it('grants every permission to a super admin and to the internal service account, as the gateway does', () => {
    const stranger = { ...principal, permissions: {} };
    expect(holdsPermission({ ...stranger, isSuperAdmin: true }, { permission: 'records:write', scope: 'organization' })).toBe(true);
    expect(holdsPermission({ ...stranger, accountType: 'service_internal' }, { permission: 'records:write' })).toBe(true);
    expect(holdsPermission(stranger, { permission: 'records:write' })).toBe(false);
  });

  it('gives no blanket powers through a token narrowed to a list of permissions', () => {
    const narrowed = { ...principal, accountType: 'service_internal' as const, credential: { ...principal.credential, permissions: ['records:read'] } };
    expect(holdsPermission(narrowed, { permission: 'records:read' })).toBe(true);
    expect(holdsPermission(narrowed, { permission: 'records:delete' })).toBe(false);
  });

  it('does not take an inherited object property for a grant', () => {
    expect(holdsPermission(principal, { permission: 'constructor' })).toBe(false);
    expect(holdsPermission(principal, { permission: 'records:read', scope: 'organization' })).toBe(true);
  });
});
