import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Login throttling shared by every gateway instance, because its counters live in Redis.
// Each window is fixed: it starts with the first counted attempt and lasts `windowMs`.
// An attempt is counted BEFORE the password is checked, in the same script that checks
// the limits, so a burst of parallel guesses cannot slip past the limit between "check"
// and "count"; a login that succeeds (or fails for a reason that is not the caller's,
// such as a service being down) is refunded afterwards. The counters therefore hold the
// failures plus the attempts still in flight.

export interface LoginThrottleLimits {
  windowMs: number;
  maxFailuresPerUsername: number;
  maxFailuresPerAddress: number;
}

export type LoginAttempt =
  | { allowed: true; keys: [string, string] }
  | { allowed: false; retryAfterSeconds: number };

/** Usernames are compared case-insensitively (issue 3), so `Bob` and `bob ` share a counter. */
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

const ATTEMPT_COMMAND = 'wardenLoginAttempt';
const REFUND_COMMAND = 'wardenLoginRefund';

// KEYS[1] username counter, KEYS[2] address counter; ARGV[1], ARGV[2] their limits, ARGV[3]
// the window in ms. Returns 0 when the attempt is allowed (and counted), otherwise the ms
// until the longest-blocking counter's window ends.
const ATTEMPT_SCRIPT = `
local wait = 0
for i = 1, 2 do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      redis.call('PEXPIRE', KEYS[i], ARGV[3])
      ttl = tonumber(ARGV[3])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 0
`;

// Takes back one counted attempt; a counter whose window ended meanwhile is left alone.
const REFUND_SCRIPT = `
for i = 1, 2 do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count > 1 then redis.call('DECR', KEYS[i]) elseif count == 1 then redis.call('DEL', KEYS[i]) end
end
return 0
`;

type ThrottleCommand = (usernameKey: string, addressKey: string, ...args: string[]) => Promise<number>;

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: LoginThrottleLimits,
  ) {
    if (!(ATTEMPT_COMMAND in redis)) {
      redis.defineCommand(ATTEMPT_COMMAND, { numberOfKeys: 2, lua: ATTEMPT_SCRIPT });
      redis.defineCommand(REFUND_COMMAND, { numberOfKeys: 2, lua: REFUND_SCRIPT });
    }
  }

  /** Counts an attempt, or refuses it with how long to wait. */
  async attempt(username: string, clientAddress: string): Promise<LoginAttempt> {
    const keys = loginThrottleKeys(this.keyPrefix, username, clientAddress);
    const waitMs = await this.command(ATTEMPT_COMMAND)(
      ...keys,
      String(this.limits.maxFailuresPerUsername),
      String(this.limits.maxFailuresPerAddress),
      String(this.limits.windowMs),
    );
    return waitMs === 0 ? { allowed: true, keys } : { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs) };
  }

  /** The attempt was not a failed guess (the login succeeded, or a service was down). */
  async refund(attempt: Extract<LoginAttempt, { allowed: true }>): Promise<void> {
    await this.command(REFUND_COMMAND)(...attempt.keys);
  }

  private command(name: string): ThrottleCommand {
    const command = (this.redis as unknown as Record<string, ThrottleCommand>)[name]!;
    return (...args) => command.apply(this.redis, args as Parameters<ThrottleCommand>);
  }
}
