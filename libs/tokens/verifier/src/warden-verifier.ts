import { RedisClient, RedisNodeAddress, createRedisClient, parseRedisNodeAddress } from '@warden/redis';
import { ActiveTokenIntrospection, RateLimitView, TokenIntrospection, parseSecret } from '@warden/contracts';
import { presentedCredential } from './presented-credential';
import { VerificationCacheSettings, openVerificationCache } from './cache';
import { TokenUseRecorder } from './token-use-recorder';
import {
  RateLimitState,
  VerificationFailure,
  VerifiedUsage,
  VerificationFallback,
  VerificationResult,
  VerificationUnavailableError,
  prepareCredentialVerifier,
  principalOfIntrospection,
  verifyCredential,
} from './verify-credential';

// The plain function for a service that receives calls authenticated with Warden secrets,
// in one of two modes with the same decision, so a revoked token is refused from the moment
// Warden's revoke answered (with the optional cache too: Warden's commands wait for it):
// - direct Redis: the gateway's own code path (checksum, SHA-256, one Redis round trip),
//   bound to Warden's Redis and the deployment's key prefix;
// - HTTP introspection: one `POST /api/v1/tokens/verify` to Warden's gateway per
//   verification, for a service that must not reach Warden's Redis.
// Either way an accepted API token counts as used, as at the gateway.

export interface WardenRedisVerifierOptions {
  /** The REDIS_KEY_PREFIX of the Warden deployment (`warden:`). */
  keyPrefix: string;
  /** An ioredis client of the caller's, a Redis or a Cluster (left open on close); or where to open one: */
  redis?: RedisClient;
  /** Warden's Redis; with `redisClusterNodes`, only its user, password and TLS (`rediss:`), for every node. */
  redisUrl?: string;
  /** Some nodes of Warden's Redis Cluster, `host:port` (Warden's REDIS_CLUSTER_NODES): a cluster client is opened. */
  redisClusterNodes?: readonly string[];
  /** For tests; the real clock otherwise. */
  clock?: () => Date;
  /**
   * Asked while Warden's credential read model is not ready (Redis lost it and the tokens
   * service is rebuilding it), e.g. a NATS request to the tokens service. Without one a
   * verification then throws `CredentialReadModelUnavailableError` (the guard answers 503).
   */
  fallback?: VerificationFallback;
  /** How often the last uses of the tokens accepted here are written to Warden's Redis (as the gateway's TOKEN_LAST_USED_FLUSH_MS). */
  lastUseFlushMs?: number;
  /**
   * Keep accepted credentials' records in process, as Warden's gateways do: a lease-fenced
   * cache that Warden's commands wait for, so a revocation is still final when it answers.
   * `leaseMs` must be Warden's VERIFICATION_CACHE_LEASE_MS (default 2000). Off unless given.
   */
  cache?: true | VerificationCacheSettings;
  introspection?: never;
}

export interface WardenIntrospectionVerifierOptions {
  introspection: {
    /** Warden's introspection endpoint: `https://<gateway>/api/v1/tokens/verify`. */
    url: string;
    /**
     * An API token of this service's own service account, sent as `x-api-key`. Warden answers
     * about tokens of that account's organization only, and says why one is refused only to a
     * credential holding `tokens:read`.
     */
    credential: string;
    /** Longest wait for Warden's answer before the verification fails as unavailable (default 5000). */
    timeoutMs?: number;
  };
  keyPrefix?: never;
  redis?: never;
  redisUrl?: never;
  redisClusterNodes?: never;
}

export type WardenVerifierOptions = WardenRedisVerifierOptions | WardenIntrospectionVerifierOptions;

export interface VerifyPresentedOptions {
  /** The request's `Origin` header: a public API token is valid only from its allowlist. */
  origin?: string | null;
  /** The client's IP address (behind a proxy: as the proxy you trust reports it): a token with an IP allowlist is valid only from it. */
  clientAddress?: string | null;
}

export type VerifyPresented = (presented: string, options?: VerifyPresentedOptions) => Promise<VerificationResult>;

export interface WardenVerifier extends VerifyPresented {
  /** Writes the last uses still pending and closes the Redis connection if this verifier opened it. */
  close(): Promise<void>;
}

/**
 * Verifies the credential a request presents (`Authorization: Bearer` or `x-api-key`) from
 * the request's `Origin`: undefined when it presents none. For any framework's headers.
 */
export async function verifyRequest(
  verify: VerifyPresented,
  headers: Record<string, string | string[] | undefined>,
  clientAddress: string | null = null,
): Promise<VerificationResult | undefined> {
  const presented = presentedCredential(headers);
  if (presented === undefined) return undefined;
  const origin = headers['origin'];
  return verify(presented, { origin: typeof origin === 'string' ? origin : null, clientAddress });
}

const DEFAULT_LAST_USE_FLUSH_MS = 1000;
const DEFAULT_INTROSPECTION_TIMEOUT_MS = 5000;

export function createWardenVerifier(options: WardenVerifierOptions): WardenVerifier {
  if (options.introspection !== undefined) {
    if (options.redis !== undefined || options.redisUrl !== undefined || options.redisClusterNodes !== undefined) {
      throw new TypeError('createWardenVerifier takes either `introspection` or Redis (`redis`, `redisUrl` or `redisClusterNodes`), not both');
    }
    return introspectingVerifier(options);
  }
  return redisVerifier(options);
}

function redisVerifier(options: WardenRedisVerifierOptions): WardenVerifier {
  const opens = options.redisUrl !== undefined || options.redisClusterNodes !== undefined;
  if ((options.redis === undefined) !== opens) {
    throw new TypeError('createWardenVerifier needs either `redis`, or `redisUrl` and/or `redisClusterNodes` (or `introspection`)');
  }
  // Auto-pipelined: concurrent verifications share round trips (about 1.3x, measured).
  const redis = options.redis ?? createRedisClient({ url: options.redisUrl ?? 'redis://127.0.0.1:6379', clusterNodes: clusterNodesOf(options.redisClusterNodes) });
  const ownsRedis = options.redis === undefined;
  prepareCredentialVerifier(redis);
  // A failed write is kept for the next interval; a verification never waits for one.
  const uses = new TokenUseRecorder(redis, options.keyPrefix);
  uses.start(options.lastUseFlushMs ?? DEFAULT_LAST_USE_FLUSH_MS);
  const clock = options.clock ?? (() => new Date());
  const cache = options.cache === undefined ? undefined : openVerificationCache(redis, options.keyPrefix, options.cache === true ? {} : options.cache);
  const verify = async (presented: string, { origin, clientAddress }: VerifyPresentedOptions = {}) => {
    const now = clock();
    const result = await verifyCredential(presented, { redis, keyPrefix: options.keyPrefix, now, origin, clientAddress, fallback: options.fallback, cache });
    if (result.ok && result.principal.credential.kind === 'api_token') uses.record(result.principal.credential.id, now.getTime());
    return result;
  };
  return Object.assign(verify, {
    close: async () => {
      await cache?.close();
      await uses.stop();
      if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
    },
  });
}

function clusterNodesOf(nodes: readonly string[] | undefined): RedisNodeAddress[] | undefined {
  return nodes?.map((node) => {
    const address = parseRedisNodeAddress(node);
    if (!address) throw new TypeError(`redisClusterNodes: ${JSON.stringify(node)} is not host:port`);
    return address;
  });
}

const FAILURES: ReadonlySet<string> = new Set<VerificationFailure>([
  'malformed',
  'unknown',
  'expired',
  'rotated_out',
  'revoked',
  'disabled',
  'owner_inactive',
  'origin_not_allowed',
  'ip_not_allowed',
  'rate_limited',
  'credits_exhausted',
  'inactive',
]);

function rateLimitOf(view: RateLimitView): RateLimitState {
  return { limit: view.limit, windowSeconds: view.window_seconds, remaining: view.remaining, resetAt: Date.parse(view.reset_at) };
}

/** An active introspection's usage, as the Redis mode reports it. */
function usageOfIntrospection(body: ActiveTokenIntrospection): VerifiedUsage | undefined {
  if (body.rate_limit === undefined && body.credits_remaining === undefined) return undefined;
  return {
    ...(body.rate_limit && { rateLimit: rateLimitOf(body.rate_limit) }),
    ...(body.credits_remaining !== undefined && { creditsRemaining: body.credits_remaining }),
  };
}

function introspectingVerifier({ introspection }: WardenIntrospectionVerifierOptions): WardenVerifier {
  const { url, credential } = introspection;
  const timeoutMs = introspection.timeoutMs ?? DEFAULT_INTROSPECTION_TIMEOUT_MS;
  const verify = async (presented: string, { origin, clientAddress }: VerifyPresentedOptions = {}): Promise<VerificationResult> => {
    // As in the Redis mode, a string that is not a Warden secret never leaves the process.
    if (!parseSecret(presented)) return { ok: false, reason: 'malformed' };
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': credential },
        body: JSON.stringify({ token: presented, ...(origin && { origin }), ...(clientAddress && { client_address: clientAddress }) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new VerificationUnavailableError(`Warden's introspection did not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    const body = (await response.json().catch(() => undefined)) as (TokenIntrospection & { code?: unknown }) | undefined;
    if (response.status !== 200 || typeof body?.active !== 'boolean') {
      // 401 or 403: Warden refused this service's own credential; 5xx: Warden is unavailable.
      const code = typeof body?.code === 'string' ? ` ${body.code}` : '';
      throw new VerificationUnavailableError(`Warden's introspection answered ${response.status}${code}`);
    }
    if (body.active) {
      const usage = usageOfIntrospection(body);
      return usage ? { ok: true, principal: principalOfIntrospection(body), usage } : { ok: true, principal: principalOfIntrospection(body) };
    }
    const reason = typeof body.reason === 'string' && FAILURES.has(body.reason) ? (body.reason as VerificationFailure) : 'inactive';
    return body.rate_limit ? { ok: false, reason, rateLimit: rateLimitOf(body.rate_limit) } : { ok: false, reason };
  };
  return Object.assign(verify, { close: async () => undefined });
}
