import { hash } from 'node:crypto';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import type { Result } from 'ioredis';

// Login throttling shared by every gateway instance, because its counters live in Redis.
// Each window is fixed: it starts with the first counted attempt and lasts `windowMs`.
// An attempt is counted BEFORE the password is checked, in the same script that checks
// the limit, so a burst of parallel guesses cannot slip past the limit between "check"
// and "count"; a login that succeeds (or fails for a reason that is not the caller's,
// such as a service being down) is refunded afterwards. The counters therefore hold the
// failures plus the attempts still in flight.
//
// The username's counter and the address's are checked by a script each, both in one
// round trip: on a Redis Cluster they live on different slots. An attempt one of them
// refuses is taken back from the other, so it counts nowhere; until then a concurrent
// attempt may see it counted, which can only refuse sooner, never let more through.

export interface LoginThrottleLimits {
  windowMs: number;
  maxFailuresPerUsername: number;
  maxFailuresPerAddress: number;
}

export type LoginAttempt =
  | { allowed: true; keys: [string, string] }
  | { allowed: false; retryAfterSeconds: number };

/** Usernames are compared case-insensitively, so `Bob` and `bob ` share a counter. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

/** The two counters of an attempt; the username is hashed so no username sits in Redis in clear. */
export function loginThrottleKeys(keyPrefix: string, username: string, clientAddress: string): [string, string] {
  return [
    `${keyPrefix}login-throttle:username:${hash('sha256', normalizeUsername(username), 'hex')}`,
    `${keyPrefix}login-throttle:address:${clientAddress}`,
  ];
}

/** Retry-After in whole seconds, never 0 (a client would retry at once). */
export function retryAfterSeconds(pttlMs: number): number {
  return Math.max(1, Math.ceil(pttlMs / 1000));
}

const LOGIN_ATTEMPT = loadRedisScript(__dirname, 'login-attempt-1.lua');
const LOGIN_REFUND = loadRedisScript(__dirname, 'login-refund-1.lua');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** 0 when counted, otherwise the ms until the counter's window ends. */
    wardenLoginAttempt(counterKey: string, limit: string, windowMs: string): Result<number, Context>;
    wardenLoginRefund(counterKey: string): Result<number, Context>;
  }
}

export class LoginThrottle {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly limits: LoginThrottleLimits,
  ) {
    defineRedisScripts(redis, [LOGIN_ATTEMPT, LOGIN_REFUND]);
  }

  /** Counts an attempt, or refuses it with how long to wait. */
  async attempt(username: string, clientAddress: string): Promise<LoginAttempt> {
    const keys = loginThrottleKeys(this.keyPrefix, username, clientAddress);
    const window = String(this.limits.windowMs);
    const waits = await Promise.all([
      this.redis.wardenLoginAttempt(keys[0], String(this.limits.maxFailuresPerUsername), window),
      this.redis.wardenLoginAttempt(keys[1], String(this.limits.maxFailuresPerAddress), window),
    ]);
    if (waits.every((waitMs) => waitMs === 0)) return { allowed: true, keys };
    await Promise.all(keys.filter((_key, i) => waits[i] === 0).map((key) => this.redis.wardenLoginRefund(key)));
    return { allowed: false, retryAfterSeconds: retryAfterSeconds(Math.max(...waits)) };
  }

  /** The attempt was not a failed guess (the login succeeded, or a service was down). */
  async refund(attempt: Extract<LoginAttempt, { allowed: true }>): Promise<void> {
    await Promise.all(attempt.keys.map((key) => this.redis.wardenLoginRefund(key)));
  }
}
