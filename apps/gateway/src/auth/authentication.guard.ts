import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import { APP_LOGGER, WardenLogger } from '@warden/platform';
import { VerificationResult, verifyCredential } from '@warden/token-verifier';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { TokenUseRecorder } from '../tokens/token-use-recorder';
import { attachPrincipal } from './principal-of-request';
import { presentedSecret } from './presented-secret';
import { isPublicRoute } from './public-routes';

export const AUTH_REDIS = Symbol('AUTH_REDIS');
export const AUTH_KEY_PREFIX = Symbol('AUTH_KEY_PREFIX');

/**
 * Authenticates every HTTP route but the public ones: a login session key or an API token,
 * verified against the read models in Redis, becomes the request's principal. Any failure
 * is the same 401 `unauthenticated` with `WWW-Authenticate: Bearer`; why it failed goes to
 * the debug log only, so a caller cannot probe which keys exist or which owners are active.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    @Inject(AUTH_REDIS) private readonly redis: Redis,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
    @Inject(TokenUseRecorder) private readonly uses: TokenUseRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (isPublicRoute(request.method, request.routeOptions.url)) return true;

    const presented = presentedSecret(request.headers);
    const now = new Date();
    const result: VerificationResult | { ok: false; reason: 'missing' } =
      presented === undefined
        ? { ok: false, reason: 'missing' }
        : await verifyCredential(presented, {
            redis: this.redis,
            keyPrefix: this.keyPrefix,
            now,
            origin: request.headers.origin ?? null,
          });
    if (!result.ok) {
      this.logger.debug({ reason: result.reason, route: request.routeOptions.url }, 'request not authenticated');
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="warden"');
      throw new WardenError(CommonErrorCode.Unauthenticated, 'A valid session key or API token is required');
    }
    attachPrincipal(request, result.principal);
    if (result.principal.credential.kind === 'api_token') this.uses.record(result.principal.credential.id, now.getTime());
    return true;
  }
}
