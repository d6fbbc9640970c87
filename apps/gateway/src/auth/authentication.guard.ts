import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UNAUTHENTICATED_DETAIL } from './authentication.hook';
import { principalOf } from './principal-of-request';
import { isPublicRoute } from './public-routes';

/**
 * Nest's side of authentication, installed globally: a route runs only for a request the
 * `preHandler` (authentication.hook.ts) authenticated (or a public one). It holds even if a route were ever
 * reached without that hook, so no route can be answered without a credential.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (principalOf(request) !== undefined || isPublicRoute(request.method, request.routeOptions.url)) return true;
    void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="warden"');
    throw new WardenError(CommonErrorCode.Unauthenticated, UNAUTHENTICATED_DETAIL);
  }
}
