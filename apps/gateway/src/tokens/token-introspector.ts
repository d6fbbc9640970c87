import { Inject, Injectable } from '@nestjs/common';
import { principalOfView } from '@warden/access';
import { TokenIntrospection, VerifyTokenBody } from '@warden/contracts';
import { ServiceClient, countCredentialVerification, exportVerificationMetrics } from '@warden/platform';
import { TokenUseRecorder, introspectionFor, verifyCredential } from '@warden/token-verifier';
import type { FastifyRequest } from 'fastify';
import type { RedisClient } from '@warden/redis';
import { AUTH_KEY_PREFIX, AUTH_REDIS, VERIFICATION_CACHE, VerificationCacheHandle, storeFallback } from '../auth/request-authenticator';
import { requirePrincipal } from '../auth/principal-of-request';

/**
 * POST /tokens/verify: the verifier the guard uses, on a token given in the body, with the
 * same fallback: while the read model is not ready the tokens service decides from its
 * event store. A resource server introspects the tokens it accepts, so an API token
 * answered active to its caller counts as used, as one the guard accepts does.
 */
@Injectable()
export class TokenIntrospector {
  constructor(
    @Inject(AUTH_REDIS) private readonly redis: RedisClient,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(TokenUseRecorder) private readonly uses: TokenUseRecorder,
    @Inject(VERIFICATION_CACHE) private readonly cache: VerificationCacheHandle,
  ) {
    exportVerificationMetrics('introspection');
  }

  async introspect(body: VerifyTokenBody, request: FastifyRequest): Promise<TokenIntrospection> {
    const caller = requirePrincipal(request);
    const now = new Date();
    const started = performance.now();
    const result = await verifyCredential(body.token, {
      redis: this.redis,
      keyPrefix: this.keyPrefix,
      now,
      origin: body.origin ?? null,
      clientAddress: body.client_address ?? null,
      fallback: storeFallback(this.services, request),
      cache: this.cache.current,
    });
    countCredentialVerification('introspection', result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    const answer = introspectionFor(result, principalOfView(caller));
    if (answer.active && answer.token_type === 'api_token') this.uses.record(answer.token_id, now.getTime());
    return answer;
  }
}
