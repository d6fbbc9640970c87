import Redis from 'ioredis';
import { VerificationFallback, VerificationResult, prepareCredentialVerifier, verifyCredential } from './verify-credential';

// The plain function for a service that receives calls authenticated with Warden secrets:
// the same code path as the gateway's own authentication (checksum, SHA-256, one Redis
// round trip), bound to one Redis connection and the deployment's key prefix.

export interface WardenVerifierOptions {
  /** The REDIS_KEY_PREFIX of the Warden deployment (`warden:`). */
  keyPrefix: string;
  /** An ioredis client of the caller's (left open on close), or a URL to open one. */
  redis?: Redis;
  redisUrl?: string;
  /** For tests; the real clock otherwise. */
  clock?: () => Date;
  /**
   * Asked while Warden's credential read model is not ready (Redis lost it and the tokens
   * service is rebuilding it), e.g. a NATS request to the tokens service. Without one a
   * verification then throws `CredentialReadModelUnavailableError` (the guard answers 503).
   */
  fallback?: VerificationFallback;
}

export interface VerifyPresentedOptions {
  /** The request's `Origin` header: a public API token is valid only from its allowlist. */
  origin?: string | null;
}

export type VerifyPresented = (presented: string, options?: VerifyPresentedOptions) => Promise<VerificationResult>;

export interface WardenVerifier extends VerifyPresented {
  /** Closes the Redis connection if this verifier opened it. */
  close(): Promise<void>;
}

export function createWardenVerifier(options: WardenVerifierOptions): WardenVerifier {
  if ((options.redis === undefined) === (options.redisUrl === undefined)) {
    throw new TypeError('createWardenVerifier needs exactly one of `redis` and `redisUrl`');
  }
  // Auto-pipelining lets concurrent verifications share round trips (DESIGN.md: about 1.3x).
  const redis = options.redis ?? new Redis(options.redisUrl!, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  const ownsRedis = options.redis === undefined;
  prepareCredentialVerifier(redis);
  const clock = options.clock ?? (() => new Date());
  const verify = (presented: string, { origin }: VerifyPresentedOptions = {}) =>
    verifyCredential(presented, { redis, keyPrefix: options.keyPrefix, now: clock(), origin, fallback: options.fallback });
  return Object.assign(verify, {
    close: async () => {
      if (ownsRedis) await redis.quit().catch(() => redis.disconnect());
    },
  });
}
