import { effectivePermissions, principalOfView } from '@warden/access';
import { PrincipalView, WhoAmIResponse } from '@warden/contracts';
import { ProblemDetailsFilter } from '@warden/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { refuseUnauthenticated } from './authentication.hook';
import { principalOf } from './principal-of-request';

/** Who the credential of a request stands for: `GET /auth/whoami`'s answer. */
export function whoAmIOf(principal: PrincipalView): WhoAmIResponse {
  const effective = principalOfView(principal);
  const { kind, id, expiresAt, permissions } = principal.credential;
  return {
    user_id: principal.userId,
    organization_id: principal.organizationId,
    account_type: principal.accountType,
    roles: principal.roles,
    teams: principal.teams,
    permissions: effectivePermissions(effective),
    is_super_admin: effective.isSuperAdmin,
    platform_admin: effective.platformAdmin,
    acts_as_super_admin: effective.unrestricted,
    credential: { kind, id, expires_at: expiresAt, ...(permissions !== undefined && { permissions }) },
  };
}

/**
 * The routes answered from the caller's verification alone: no service asked, no body, no
 * parameter, nothing but the principal the authentication hook attached. By method and
 * route as registered (Fastify's routeOptions.url), as public-routes.ts lists them.
 */
export const VERIFICATION_ANSWERED_ROUTES: ReadonlyMap<string, (principal: PrincipalView) => unknown> = new Map([['GET /api/v1/auth/whoami', whoAmIOf]]);

/**
 * Serves the routes of VERIFICATION_ANSWERED_ROUTES with a Fastify handler of their own
 * rather than Nest's: Nest's router (guards, interceptors, pipes, its response controller)
 * cost such a route more CPU than verifying its credential. The routes stay declared on
 * their controllers, which the API description is built from, and Nest registers them as
 * ever; this hook puts the handler below in place of Nest's as it does (for the HEAD route
 * Fastify derives from a GET too). What runs around the handler is unchanged: the
 * authentication `preHandler` (authentication.hook.ts) has verified the credential and
 * answered any refusal, and the correlation id, hardening and metrics hooks are Fastify's.
 * Call before `app.init()`, where Nest registers its routes.
 */
export function answerFromVerification(fastify: FastifyInstance, problems: ProblemDetailsFilter): void {
  fastify.addHook('onRoute', (route) => {
    if (Array.isArray(route.method)) return;
    const method = route.method === 'HEAD' ? 'GET' : route.method;
    const answer = VERIFICATION_ANSWERED_ROUTES.get(`${method} ${route.url}`);
    if (answer !== undefined) route.handler = answeringFrom(answer, problems);
  });
}

function answeringFrom(answer: (principal: PrincipalView) => unknown, problems: ProblemDetailsFilter): RouteHandlerMethod {
  // A callback handler, not an async one: no promise per request.
  return function answerFromPrincipal(request: FastifyRequest, reply: FastifyReply): void {
    const principal = principalOf(request);
    // As the global guard would: never answered without a verified caller, even were the hook ever skipped.
    if (principal === undefined) {
      refuseUnauthenticated(request, reply, problems);
      return;
    }
    try {
      void reply.send(answer(principal));
    } catch (error) {
      problems.answer(error, request, reply);
    }
  };
}
