import { CommonErrorCode, PrincipalView, WardenError } from '@warden/contracts';
import { ProblemDetailsFilter, createLogger } from '@warden/platform';
import Fastify, { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateRequests } from './authentication.hook';
import { principalOf } from './principal-of-request';
import { RequestAuthenticator } from './request-authenticator';
import { plainPrincipalView } from '@warden/testing';

const principal = plainPrincipalView();

describe('authenticateRequests', () => {
  let fastify: FastifyInstance;
  let answer: (request: FastifyRequest) => Promise<PrincipalView | undefined>;
  const asked: string[] = [];

  beforeAll(async () => {
    fastify = Fastify();
    const authenticator = { authenticate: (request: FastifyRequest) => answer(request) } as unknown as RequestAuthenticator;
    authenticateRequests(fastify, authenticator, new ProblemDetailsFilter(createLogger({ service: 'spec', level: 'silent' })));
    fastify.get('/api/v1/auth/whoami', (request) => ({ caller: principalOf(request)?.userId ?? null }));
    fastify.post('/api/v1/auth/login', (request) => ({ caller: principalOf(request)?.userId ?? null }));
    await fastify.ready();
  });

  afterAll(() => fastify.close());

  beforeEach(() => {
    asked.length = 0;
    answer = async (request) => {
      asked.push(request.url);
      return principal;
    };
  });

  it('runs a route for an authenticated caller, with the principal attached', async () => {
    const response = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ caller: 'u-1' });
  });

  it('answers 401 with WWW-Authenticate before the route runs when the credential is not valid', async () => {
    answer = async () => undefined;
    const response = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="warden"');
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401, instance: '/api/v1/auth/whoami' });
  });

  it('fails closed when verification fails unexpectedly', async () => {
    answer = async () => {
      throw new WardenError(CommonErrorCode.ServiceUnavailable, 'Redis and the tokens service are both down');
    };
    const unavailable = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(unavailable.statusCode).toBe(503);
    answer = async () => {
      throw new Error('boom');
    };
    const broken = await fastify.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toMatchObject({ code: 'internal_error' });
  });

  it('asks nothing for a public route or a path no route matches', async () => {
    answer = async () => undefined;
    expect((await fastify.inject({ method: 'POST', url: '/api/v1/auth/login', payload: {} })).json()).toEqual({ caller: null });
    expect((await fastify.inject({ method: 'GET', url: '/api/v1/nothing-here' })).statusCode).toBe(404);
    expect(asked).toEqual([]);
  });
});
