import { Inject, Injectable } from '@nestjs/common';
import {
  CLIENT_AUTHENTICATED_ROUTES,
  CREDENTIAL_VERIFY_FROM_STORE_SUBJECT,
  ClientAuthenticationAnswer,
  CommonErrorCode,
  OAuthSubjects,
  PrincipalView,
  TokenEndpointRequest,
  VerifyTokenBody,
  WardenError,
} from '@warden/contracts';
import { APP_LOGGER, ServiceClient, WardenLogger, correlationIdOfRequest, countCredentialVerification, exportVerificationMetrics } from '@warden/platform';
import {
  LeaseFencedCache,
  RateLimitState,
  TokenUseRecorder,
  VerificationFallback,
  VerificationResult,
  prepareCredentialVerifier,
  verifyCredential,
} from '@warden/token-verifier';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '@warden/redis';
import { ConsoleSessionSettings, consoleOriginRefusal, consoleSessionKeyOf, presentsHeaderCredential } from './console-session';
import { contextOf } from './principal-of-request';
import { presentedSecret } from './presented-secret';
import { assertionAudiencesOf } from '../oauth/oauth-endpoints';
import { oauthFormOf } from '../oauth/oauth-form';

export const AUTH_REDIS = Symbol('AUTH_REDIS');
/** The gateway's verification cache (VERIFICATION_CACHE), or none. */
export const VERIFICATION_CACHE = Symbol('VERIFICATION_CACHE');
export interface VerificationCacheHandle {
  current?: LeaseFencedCache & { close(): Promise<void> };
}
export const AUTH_KEY_PREFIX = Symbol('AUTH_KEY_PREFIX');
export const CONSOLE_SESSION = Symbol('CONSOLE_SESSION');

/**
 * Verifies the credential a request presents: a login session key or an API token,
 * checked against the read models in Redis. While the credential read model is lost or
 * being rebuilt, the tokens service decides from its event store instead (one NATS
 * request), so valid keys keep working. Why a credential failed goes to the debug log only.
 * Without a credential header, the console's cookie (auth/console-session.ts) is read: it
 * stands only for a login session, and changes state only from the console's origin.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    @Inject(AUTH_REDIS) private readonly redis: RedisClient,
    @Inject(AUTH_KEY_PREFIX) private readonly keyPrefix: string,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
    @Inject(TokenUseRecorder) private readonly uses: TokenUseRecorder,
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(CONSOLE_SESSION) private readonly console: ConsoleSessionSettings,
    @Inject(VERIFICATION_CACHE) private readonly cache: VerificationCacheHandle,
  ) {
    prepareCredentialVerifier(redis);
    exportVerificationMetrics('http');
  }

  /**
   * The caller of the request, or undefined when it presents no valid credential. An API
   * token with a rate limit puts its `RateLimit-Policy` and `RateLimit` headers on `reply`,
   * and one past its limit is a 429 (`TokenRateLimitedError`) rather than a 401.
   */
  async authenticate(request: FastifyRequest, reply?: FastifyReply): Promise<PrincipalView | undefined> {
    const fromCookie = presentsHeaderCredential(request.headers) ? undefined : consoleSessionKeyOf(request.headers);
    const presented = fromCookie ?? presentedSecret(request.headers);
    if (presented === undefined) {
      const route = request.routeOptions.url;
      if (CLIENT_AUTHENTICATED_ROUTES.has(`${request.method} ${route}`)) return this.authenticateClient(request, route!);
      countCredentialVerification('http', 'missing');
      this.notAuthenticated(request, 'missing');
      return undefined;
    }
    const now = new Date();
    const started = performance.now();
    const result = await verifyCredential(presented, {
      redis: this.redis,
      keyPrefix: this.keyPrefix,
      now,
      origin: request.headers.origin ?? null,
      clientAddress: request.ip,
      fallback: storeFallback(this.services, request),
      cache: this.cache.current,
    });
    countCredentialVerification('http', result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    const rateLimit = result.ok ? result.usage?.rateLimit : result.rateLimit;
    if (rateLimit && reply) setRateLimitHeaders(reply, rateLimit, now);
    if (!result.ok && result.reason === 'rate_limited' && rateLimit) {
      if (reply) void reply.header('retry-after', String(secondsUntil(rateLimit.resetAt, now)));
      throw new WardenError(CommonErrorCode.RateLimited, "The token's rate limit is reached; try again after Retry-After seconds");
    }
    if (!result.ok) {
      this.notAuthenticated(request, result.reason);
      return undefined;
    }
    if (fromCookie !== undefined) {
      if (result.principal.credential.kind !== 'session') {
        this.notAuthenticated(request, 'not_a_session');
        return undefined;
      }
      const refusal = consoleOriginRefusal(request.method, request.headers.origin, this.console);
      if (refusal !== undefined) throw new WardenError(CommonErrorCode.Forbidden, refusal);
    }
    if (result.principal.credential.kind === 'api_token') this.uses.record(result.principal.credential.id, now.getTime());
    return result.principal;
  }

  // The gateway's requests run outside any async context (gateway-app.ts), so the line
  // carries the request's correlation id itself; nothing is built while debug is off.
  private notAuthenticated(request: FastifyRequest, reason: string): void {
    if (!this.logger.isLevelEnabled('debug')) return;
    this.logger.debug({ reason, route: request.routeOptions.url, correlationId: correlationIdOfRequest(request) }, 'request not authenticated');
  }

  /**
   * An OAuth client at introspection or revocation (RFC 7662 §2.1, RFC 7009 §2.1): its
   * account, authenticated by the tokens service as at the token endpoint (HTTP Basic with
   * a client secret, the secret in the form, or a client assertion).
   */
  private async authenticateClient(request: FastifyRequest, path: string): Promise<PrincipalView | undefined> {
    const form = oauthFormOf(request)?.form ?? {};
    const authorization = request.headers.authorization;
    if (authorization === undefined && form['client_secret'] === undefined && form['client_assertion'] === undefined) return undefined;
    const payload: TokenEndpointRequest = { form, audiences: assertionAudiencesOf(request, path) };
    if (authorization !== undefined) payload.authorization = authorization;
    const answer = await this.services.send<ClientAuthenticationAnswer, TokenEndpointRequest>(OAuthSubjects.authenticateClient, { context: contextOf(request), payload });
    if (!answer.ok) {
      this.logger.debug({ reason: answer.body.error, route: path, correlationId: correlationIdOfRequest(request) }, 'OAuth client not authenticated');
      return undefined;
    }
    return answer.principal;
  }
}

/** Verification by the tokens service from its event store, for while the read model is not ready. */
export function storeFallback(services: ServiceClient, request: FastifyRequest): VerificationFallback {
  return (token, origin, clientAddress) =>
    services.send<VerificationResult, VerifyTokenBody>(CREDENTIAL_VERIFY_FROM_STORE_SUBJECT, {
      context: contextOf(request),
      payload: { token, ...(origin !== null && { origin }), ...(clientAddress !== null && { client_address: clientAddress }) },
    });
}

/** Whole seconds until `at`, never 0 (a client would retry at once). */
function secondsUntil(at: number, now: Date): number {
  return Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the token's policy
 * (`q` requests per `w` seconds) and where it stands (`r` left, `t` seconds to the window's end).
 */
export function setRateLimitHeaders(reply: FastifyReply, rateLimit: RateLimitState, now: Date): void {
  void reply.header('ratelimit-policy', `"token";q=${rateLimit.limit};w=${rateLimit.windowSeconds}`);
  void reply.header('ratelimit', `"token";r=${rateLimit.remaining};t=${secondsUntil(rateLimit.resetAt, now)}`);
}
