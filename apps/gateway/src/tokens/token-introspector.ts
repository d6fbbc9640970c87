import { Inject, Injectable } from '@nestjs/common';
import { PrincipalView, TokenIntrospection, VerifyTokenBody } from '@warden/contracts';
import { ServiceClient, countCredentialVerification, exportVerificationMetrics } from '@warden/platform';
import { TokenUseRecorder, introspectionOf, verifyCredential } from '@warden/token-verifier';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AUTH_KEY_PREFIX, AUTH_REDIS, storeFallback } from '../auth/authentication.guard';
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
    @Inject(AUTH_REDIS) private readonly redis: Redis,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(TokenUseRecorder) private readonly uses: TokenUseRecorder,
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
      fallback: storeFallback(this.services, request),
    });
    countCredentialVerification('introspection', result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    const answer = visibleTo(caller, introspectionOf(result, true));
    if (answer.active && answer.token_type === 'api_token') this.uses.record(answer.token_id, now.getTime());
    return answer;
  }
}

/**
 * What the caller may learn: another organization's token reads as inactive, and why a
 * token is inactive is said only to a caller who may read tokens.
 */
export function visibleTo(caller: PrincipalView, answer: TokenIntrospection): TokenIntrospection {
  if (answer.active) return answer.organization_id === caller.organizationId ? answer : { active: false };
  return mayReadTokens(caller) ? answer : { active: false };
}

function mayReadTokens(caller: PrincipalView): boolean {
  const narrowed = caller.credential.permissions !== undefined;
  if (!narrowed && (caller.isSuperAdmin || caller.accountType === 'service_internal')) return true;
  return Object.hasOwn(caller.permissions, 'tokens:read');
}
