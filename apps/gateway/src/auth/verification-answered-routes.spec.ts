import { PLATFORM_PERMISSIONS, WARDEN_PERMISSIONS } from '@warden/access';
import { PrincipalView } from '@warden/contracts';
import { ProblemDetailsFilter, createLogger } from '@warden/platform';
import { plainPrincipalView } from '@warden/testing';
import Fastify, { FastifyInstance } from 'fastify';
import { authenticateRequests } from './authentication.hook';
import { RequestAuthenticator } from './request-authenticator';
import { answerFromVerification, whoAmIOf } from './verification-answered-routes';

const problems = new ProblemDetailsFilter(createLogger({ service: 'spec', level: 'silent' }));
// What Nest's router would have run: never, on a route answered from the verification.
const nestHandler = () => ({ answeredBy: 'nest' });

describe('answerFromVerification', () => {
  let fastify: FastifyInstance;
  let caller: PrincipalView | undefined;

  beforeAll(async () => {
    fastify = Fastify();
    const authenticator = { authenticate: async () => caller } as unknown as RequestAuthenticator;
    authenticateRequests(fastify, authenticator, problems);
    answerFromVerification(fastify, problems);
    // As Nest registers its controllers' routes at init, after configureGateway.
    fastify.get('/api/v1/auth/whoami', nestHandler);
    fastify.get('/api/v1/users/me', nestHandler);
    await fastify.ready();
  });

  afterAll(() => fastify.close());

  it("answers whoami from the principal the hook attached, in Nest's handler's place", async () => {
    caller = plainPrincipalView({ userId: 'svc-1', organizationId: 'org-1', roles: ['reader'], permissions: { 'records:read': 'organization' } });
    const response = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual(whoAmIOf(caller));
    expect(response.json()).toMatchObject({ user_id: 'svc-1', organization_id: 'org-1', roles: ['reader'], permissions: { 'records:read': 'organization' } });
  });

  it('answers the HEAD route Fastify derives from the GET alike, without a body', async () => {
    caller = plainPrincipalView();
    const get = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    const head = await fastify.inject({ method: 'HEAD', url: '/api/v1/auth/whoami' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
  });

  it('leaves every other route to its own handler', async () => {
    caller = plainPrincipalView();
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/users/me' })).json()).toEqual({ answeredBy: 'nest' });
  });

  it('never runs for a request the hook refused', async () => {
    caller = undefined;
    const response = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'unauthenticated', instance: '/api/v1/auth/whoami' });
  });

  it('refuses as the guard would were the authentication hook ever left out', async () => {
    const bare = Fastify();
    answerFromVerification(bare, problems);
    bare.get('/api/v1/auth/whoami', nestHandler);
    const response = await bare.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    await bare.close();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="warden"');
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401, detail: 'A valid session key or API token is required' });
  });
});

describe('whoAmIOf', () => {
  it('spells out an unrestricted principal\'s permissions, and says it acts as a super admin', () => {
    const answer = whoAmIOf(plainPrincipalView({ accountType: 'service_internal' }));
    expect(answer.acts_as_super_admin).toBe(true);
    expect(answer.is_super_admin).toBe(false);
    const organizationWide = WARDEN_PERMISSIONS.filter((permission) => !PLATFORM_PERMISSIONS.includes(permission));
    expect(answer.permissions).toEqual(Object.fromEntries(organizationWide.map((permission) => [permission, 'organization'])));
  });

  it("names a narrowed token's permissions in its credential, and holds no more", () => {
    const narrowed = plainPrincipalView({
      permissions: { 'records:read': 'organization' },
      credential: { kind: 'api_token', id: 't-9', expiresAt: '2030-01-01T00:00:00.000Z', permissions: ['records:read'] },
    });
    expect(whoAmIOf(narrowed)).toEqual({
      user_id: 'u-1',
      organization_id: 'o-1',
      account_type: 'service_external',
      roles: [],
      teams: [],
      permissions: { 'records:read': 'organization' },
      is_super_admin: false,
      platform_admin: false,
      acts_as_super_admin: false,
      credential: { kind: 'api_token', id: 't-9', expires_at: '2030-01-01T00:00:00.000Z', permissions: ['records:read'] },
    });
  });

  it('leaves permissions out of the credential of one not narrowed', () => {
    expect(whoAmIOf(plainPrincipalView()).credential).toEqual({ kind: 'api_token', id: 't-1', expires_at: null });
  });
});
