import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CREDENTIAL_VERIFY_FROM_STORE_SUBJECT, CommonErrorCode, VerifyTokenBody, WardenError } from '@warden/contracts';
import { APP_LOGGER, ServiceClient, WardenLogger, credentialVerificationsTotal } from '@warden/platform';
import { VerificationFallback, VerificationResult, prepareCredentialVerifier, verifyCredential } from '@warden/token-verifier';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { TokenUseRecorder } from '../tokens/token-use-recorder';
import { attachPrincipal, contextOf } from './principal-of-request';
import { presentedSecret } from './presented-secret';
import { isPublicRoute } from './public-routes';

export const AUTH_REDIS = Symbol('AUTH_REDIS');
export const AUTH_KEY_PREFIX = Symbol('AUTH_KEY_PREFIX');

/**
 * Authenticates every HTTP route but the public ones: a login session key or an API token,
 * verified against the read models in Redis, becomes the request's principal. Any failure
 * is the same 401 `unauthenticated` with `WWW-Authenticate: Bearer`; why it failed goes to
 * the debug log only, so a caller cannot probe which keys exist or which owners are active.
 * While the credential read model is lost or being rebuilt, the tokens service decides
 * from its event store instead (one NATS request), so valid keys keep working.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    @Inject(AUTH_REDIS) private readonly redis: Redis,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
    @Inject(TokenUseRecorder) private readonly uses: TokenUseRecorder,
    @Inject(ServiceClient) private readonly services: ServiceClient,
  ) {
    prepareCredentialVerifier(redis);
  }

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
            fallback: storeFallback(this.services, request),
          });
    credentialVerificationsTotal.inc({ outcome: result.ok ? 'ok' : result.reason });
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

/** Verification by the tokens service from its event store, for while the read model is not ready. */
export function storeFallback(services: ServiceClient, request: FastifyRequest): VerificationFallback {
  return (token, origin) =>
    services.send<VerificationResult, VerifyTokenBody>(CREDENTIAL_VERIFY_FROM_STORE_SUBJECT, {
      context: contextOf(request),
      payload: origin === null ? { token } : { token, origin },
    });
}
