import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PrincipalView } from '@warden/contracts';
import { plainPrincipalView } from '@warden/testing';
import Fastify, { FastifyInstance } from 'fastify';
import { wardenPrincipalOf } from './request-authentication';
import { VerificationResult } from './verify-credential';
import { WARDEN_AUTH_OPTIONS, WARDEN_VERIFIER, WardenAuthGuard } from './warden-auth.guard';
import { wardenFastifyHook } from './warden-fastify';
import { VerificationUnavailableError } from './verify-credential';
import type { VerifyPresentedOptions } from './warden-verifier';

// The Fastify hook in a real Fastify app, beside the NestJS guard in a real Nest app, both with
// the same fake verifier: every answer the hook gives is the guard's, status, body and headers.
const principal: PrincipalView = plainPrincipalView({ roles: ['RECORDS_WRITER'], teams: ['t-1'], permissions: { 'records:write': 'team' }, credential: { kind: 'api_token', id: 'tok-1', expiresAt: null } });
const resetAt = Date.now() + 30_000;
const answers: Record<string, VerificationResult | 'unavailable'> = {
  wdn_p_good: { ok: true, principal },
  wdn_p_revoked: { ok: false, reason: 'revoked', organizationId: 'o-1' },
  wdn_p_limited: { ok: false, reason: 'rate_limited', rateLimit: { limit: 10, windowSeconds: 60, remaining: 0, resetAt } },
  wdn_p_counted: { ok: true, principal, usage: { rateLimit: { limit: 10, windowSeconds: 60, remaining: 7, resetAt } } },
  wdn_p_down: 'unavailable',
};
const calls: { presented: string; options?: VerifyPresentedOptions }[] = [];
const fakeVerify = async (presented: string, options?: VerifyPresentedOptions): Promise<VerificationResult> => {
  calls.push({ presented, options });
  const answer = answers[presented] ?? { ok: false, reason: 'unknown' };
  if (answer === 'unavailable') throw new VerificationUnavailableError('Redis is down');
  return answer;
};

@Controller()
@UseGuards(WardenAuthGuard)
class WhoamiController {
  @Get('whoami')
  whoami(request: unknown) {
    return request;
  }
}

const REQUIRED = 'records:write';
let nest: NestFastifyApplication;
let fastify: FastifyInstance;
const unavailable: string[] = [];

beforeAll(async () => {
  @Module({
    controllers: [WhoamiController],
    providers: [{ provide: WARDEN_VERIFIER, useValue: fakeVerify }, { provide: WARDEN_AUTH_OPTIONS, useValue: { requiredPermission: { permission: REQUIRED, scope: 'organization' } } }, WardenAuthGuard],
  })
  class GuardedModule {}
  nest = await NestFactory.create<NestFastifyApplication>(GuardedModule, new FastifyAdapter(), { logger: false });
  await nest.init();
  await nest.getHttpAdapter().getInstance().ready();

  fastify = Fastify();
  fastify.get('/whoami', { onRequest: wardenFastifyHook(fakeVerify, { requiredPermission: { permission: REQUIRED, scope: 'organization' }, onUnavailable: (why) => unavailable.push(why) }) }, async (request) => {
    return { userId: wardenPrincipalOf(request)?.userId };
  });
  fastify.get('/open', { onRequest: wardenFastifyHook(fakeVerify) }, async (request) => wardenPrincipalOf(request));
  await fastify.ready();
});

afterAll(async () => {
  await Promise.all([nest.close(), fastify.close()]);
});

// The media type aside: a bare Nest app renders an HttpException as application/json (a Warden
// service's filter as problem+json), the hook always as application/problem+json.
const COMPARED_HEADERS = ['www-authenticate', 'retry-after', 'ratelimit-policy', 'ratelimit'];

describe('wardenFastifyHook', () => {
  it.each([
    ['no credential', {}],
    ['an unknown key', { authorization: 'Bearer wdn_p_nobody' }],
    ['a revoked key', { 'x-api-key': 'wdn_p_revoked' }],
    ['a key past its rate limit', { authorization: 'Bearer wdn_p_limited' }],
    ['a key without the organization-wide permission', { authorization: 'Bearer wdn_p_good' }],
    ['a key with its rate limit left, without the permission', { authorization: 'Bearer wdn_p_counted' }],
    ['a verification Warden cannot make', { authorization: 'Bearer wdn_p_down' }],
  ])('answers %s exactly as the NestJS guard does', async (_what, headers: Record<string, string>) => {
    const [fromHook, fromGuard] = await Promise.all([fastify.inject({ method: 'GET', url: '/whoami', headers }), nest.inject({ method: 'GET', url: '/whoami', headers })]);
    expect(fromHook.statusCode).toBeGreaterThanOrEqual(401);
    expect(fromHook.statusCode).toBe(fromGuard.statusCode);
    expect(fromHook.json()).toEqual(fromGuard.json());
    const picked = (response: typeof fromHook) => COMPARED_HEADERS.map((name) => [name, response.headers[name]]);
    expect(picked(fromHook)).toEqual(picked(fromGuard));
  });

  it('answers problem documents: 401 naming no reason, 429 with Retry-After, 503 told to the service', async () => {
    unavailable.length = 0;
    const revoked = await fastify.inject({ method: 'GET', url: '/whoami', headers: { authorization: 'Bearer wdn_p_revoked' } });
    expect(revoked.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(revoked.json()).toEqual({ type: 'urn:warden:problem:unauthenticated', title: 'Authentication required', status: 401, detail: 'A valid Warden session key or API token is required', code: 'unauthenticated' });
    const limited = await fastify.inject({ method: 'GET', url: '/whoami', headers: { authorization: 'Bearer wdn_p_limited' } });
    expect([limited.statusCode, Number(limited.headers['retry-after']) >= 29]).toEqual([429, true]);
    const down = await fastify.inject({ method: 'GET', url: '/whoami', headers: { authorization: 'Bearer wdn_p_down' } });
    expect(down.json()).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(unavailable).toEqual(['service_unavailable: Redis is down']);
  });

  it('hands the principal to the handler, verified from the request origin and client address', async () => {
    calls.length = 0;
    const response = await fastify.inject({ method: 'GET', url: '/open', headers: { authorization: 'Bearer wdn_p_good', origin: 'https://app.example.com' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(principal);
    expect(calls).toEqual([{ presented: 'wdn_p_good', options: { origin: 'https://app.example.com', clientAddress: '127.0.0.1' } }]);
    const counted = await fastify.inject({ method: 'GET', url: '/open', headers: { authorization: 'Bearer wdn_p_counted' } });
    expect(counted.headers['ratelimit']).toMatch(/^"token";r=7;t=(29|30)$/);
  });
});
