import { ExecutionContext } from '@nestjs/common';
import { CommonErrorCode } from '@warden/contracts';
import { FastifyRequest } from 'fastify';
import { AuthenticationGuard } from './authentication.guard';
import { attachPrincipal } from './principal-of-request';
import { plainPrincipalView } from '@warden/testing';

const principal = plainPrincipalView();

describe('AuthenticationGuard', () => {
  const guard = new AuthenticationGuard();
  const contextFor = (request: object, headers: Record<string, string> = {}) =>
    ({
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ header: (name: string, value: string) => (headers[name] = value) }) }),
    }) as unknown as ExecutionContext;

  it('lets a route run only for a request the hook authenticated, or a public route', () => {
    const authenticated = { method: 'GET', routeOptions: { url: '/api/v1/auth/whoami' } };
    attachPrincipal(authenticated as FastifyRequest, principal);
    expect(guard.canActivate(contextFor(authenticated))).toBe(true);
    expect(guard.canActivate(contextFor({ method: 'POST', routeOptions: { url: '/api/v1/auth/login' } }))).toBe(true);
  });

  it('refuses any other request with the 401 of the hook', () => {
    const headers: Record<string, string> = {};
    const run = () => guard.canActivate(contextFor({ method: 'GET', routeOptions: { url: '/api/v1/auth/whoami' } }, headers));
    expect(run).toThrow(expect.objectContaining({ code: CommonErrorCode.Unauthenticated }) as Error);
    expect(headers['www-authenticate']).toBe('Bearer realm="warden"');
  });
});
