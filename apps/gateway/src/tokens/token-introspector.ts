import { Inject, Injectable } from '@nestjs/common';
import { principalOfView } from '@warden/access';
import { TokenIntrospection, VerifyTokenBody } from '@warden/contracts';
import { ServiceClient } from '@warden/platform';
import { introspectionFor, verifyCredential } from '@warden/token-verifier';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AUTH_KEY_PREFIX, AUTH_REDIS, storeFallback } from '../auth/authentication.guard';
import { requirePrincipal } from '../auth/principal-of-request';

/**
 * POST /tokens/verify: the verifier the guard uses, on a token given in the body, with the
 * same fallback: while the read model is not ready the tokens service decides from its
 * event store.
 */
@Injectable()
export class TokenIntrospector {
  constructor(
    @Inject(AUTH_REDIS) private readonly redis: Redis,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(ServiceClient) private readonly services: ServiceClient,
  ) {}

  async introspect(body: VerifyTokenBody, request: FastifyRequest): Promise<TokenIntrospection> {
    const caller = requirePrincipal(request);
    const result = await verifyCredential(body.token, {
      redis: this.redis,
      keyPrefix: this.keyPrefix,
      now: new Date(),
      origin: body.origin ?? null,
      fallback: storeFallback(this.services, request),
    });
    return introspectionFor(result, principalOfView(caller));
  }
}
