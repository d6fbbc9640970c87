import { CommonErrorCode, WardenError } from '@warden/contracts';
import { ProblemDetailsFilter } from '@warden/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { attachPrincipal } from './principal-of-request';
import { isPublicRoute } from './public-routes';
import { RequestAuthenticator } from './request-authenticator';

export const UNAUTHENTICATED_DETAIL = 'A valid session key or API token is required';

/**
 * Authenticates every route but the public ones (auth/public-routes.ts) in a Fastify
 * `preHandler`, before Nest routes the request: after the body is parsed, as a Nest guard
 * would, but without Nest's execution context and async guard chain on every request. Any
 * failure is the same 401 `unauthenticated` with `WWW-Authenticate: Bearer`, so a caller
 * cannot probe which keys exist or which owners are active (an API token past its rate limit
 * is the exception: a 429 with `Retry-After`, since its holder must know to wait); anything unexpected (Redis and
 * the fallback both down) is answered as the exception filter answers it. A request
 * matching no route goes on to the 404 answer. Call before `app.init()`.
 */
export function authenticateRequests(fastify: FastifyInstance, authenticator: RequestAuthenticator, problems: ProblemDetailsFilter): void {
  fastify.addHook('preHandler', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || isPublicRoute(request.method, route)) {
      done();
      return;
    }
    authenticator
      .authenticate(request, reply)
      .then((principal) => {
        if (principal === undefined) {
          refuseUnauthenticated(request, reply, problems);
          return;
        }
        attachPrincipal(request, principal);
        done();
      })
      // Whatever throws, here or on the way to the route, is answered (unless it was already) and never left unhandled.
      .catch((error: unknown) => problems.answer(error, request, reply));
  });
}

/** The one refusal of a request without a valid credential: 401 `unauthenticated` with `WWW-Authenticate: Bearer`. */
export function refuseUnauthenticated(request: FastifyRequest, reply: FastifyReply, problems: ProblemDetailsFilter): void {
  void reply.header('www-authenticate', 'Bearer realm="warden"');
  problems.answer(new WardenError(CommonErrorCode.Unauthenticated, UNAUTHENTICATED_DETAIL), request, reply);
}
