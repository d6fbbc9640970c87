import { TokensErrorCode, WardenError, normalizeAllowedIp } from '@warden/contracts';
import type { Token, TokenEvent, TokenPolicyChanged } from './token.decider';

// A token's usage policy (where from, how often, how many times it may be used) and its
// description, set at issue and changed later. The verification script applies the policy
// in the lookup's own round trip (see the credential read model's `usage`); only the policy
// is an event: the requests counted and the credits taken are usage state kept in Redis.

// Type aliases, not interfaces: an event's data must be assignable to JSON.
export type TokenRateLimit = {
  /** Accepted verifications per window. */
  limit: number;
  windowSeconds: number;
};

/** Credits as set: `amount` uses, topped up to `refill.amount` every `refill.intervalSeconds`. */
export type TokenCreditsPolicy = {
  amount: number;
  refill: { amount: number; intervalSeconds: number } | null;
};

/** The credits in a token's state: the policy, and which grant of the token's history set it, when. */
export type TokenCredits = TokenCreditsPolicy & {
  /** 1 for the first setting of the credits, one more at each later one. */
  grant: number;
  grantedAt: string;
};

/** A change: an absent field stays as it is; null removes it (metadata: `{}` empties it). */
export interface TokenPolicyChanges {
  description?: string | null;
  metadata?: Record<string, string>;
  allowedIps?: string[];
  rateLimit?: TokenRateLimit | null;
  /** Setting the credits (even to the same numbers) starts their counter again at `amount`. */
  credits?: TokenCreditsPolicy | null;
}

export const MAX_TOKEN_DESCRIPTION_LENGTH = 500;
export const MAX_TOKEN_METADATA_KEYS = 20;
export const MAX_TOKEN_METADATA_KEY_LENGTH = 64;
export const MAX_TOKEN_METADATA_VALUE_LENGTH = 512;
export const MAX_TOKEN_ALLOWED_IPS = 100;
export const MAX_RATE_LIMIT = 1_000_000;
/** A day: longer windows are a quota, which credits with a refill express. */
export const MAX_RATE_LIMIT_WINDOW_SECONDS = 86_400;
export const MAX_TOKEN_CREDITS = 1_000_000_000;
export const MAX_CREDITS_REFILL_INTERVAL_SECONDS = 366 * 86_400;
const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;

export const NO_POLICY: Pick<Token, 'description' | 'metadata' | 'allowedIps' | 'rateLimit' | 'credits' | 'creditsGrants'> = {
  description: null,
  metadata: {},
  allowedIps: [],
  rateLimit: null,
  credits: null,
  creditsGrants: 0,
};

const invalid = (field: string, message: string) => new WardenError(TokensErrorCode.InvalidTokenPolicy, `${field} ${message}`, [{ field, message }]);

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

function checkedMetadata(metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalid('metadata', 'must be an object of strings');
  const entries = Object.entries(metadata);
  if (entries.length > MAX_TOKEN_METADATA_KEYS) throw invalid('metadata', `must have at most ${MAX_TOKEN_METADATA_KEYS} keys`);
  const checked: Record<string, string> = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key.length > MAX_TOKEN_METADATA_KEY_LENGTH || !METADATA_KEY.test(key)) {
      throw invalid(`metadata.${key}`, `keys are 1 to ${MAX_TOKEN_METADATA_KEY_LENGTH} letters, digits, '_', '.' or '-'`);
    }
    if (typeof value !== 'string' || value.length > MAX_TOKEN_METADATA_VALUE_LENGTH) {
      throw invalid(`metadata.${key}`, `must be a string of at most ${MAX_TOKEN_METADATA_VALUE_LENGTH} characters`);
    }
    checked[key] = value;
  }
  return checked;
}

function checkedAllowedIps(inputs: unknown): string[] {
  if (!Array.isArray(inputs)) throw invalid('allowed_ips', 'must be a list of addresses or CIDR blocks');
  if (inputs.length > MAX_TOKEN_ALLOWED_IPS) throw invalid('allowed_ips', `must list at most ${MAX_TOKEN_ALLOWED_IPS} entries`);
  const blocks: string[] = [];
  inputs.forEach((input, i) => {
    const checked = typeof input === 'string' ? normalizeAllowedIp(input) : { ok: false as const, reason: 'must be a string' };
    if (!checked.ok) throw invalid(`allowed_ips[${i}]`, checked.reason);
    if (!blocks.includes(checked.cidr)) blocks.push(checked.cidr);
  });
  return blocks;
}

function checkedRateLimit(rateLimit: TokenRateLimit): TokenRateLimit {
  if (typeof rateLimit !== 'object' || rateLimit === null) throw invalid('rate_limit', 'must be {limit, window_seconds} or null');
  return {
    limit: wholeNumber(rateLimit.limit, 'rate_limit.limit', 1, MAX_RATE_LIMIT),
    windowSeconds: wholeNumber(rateLimit.windowSeconds, 'rate_limit.window_seconds', 1, MAX_RATE_LIMIT_WINDOW_SECONDS),
  };
}

function checkedCredits(credits: TokenCreditsPolicy): TokenCreditsPolicy {
  if (typeof credits !== 'object' || credits === null) throw invalid('credits', 'must be {remaining, refill?} or null');
  const amount = wholeNumber(credits.amount, 'credits.remaining', 0, MAX_TOKEN_CREDITS);
  if (credits.refill === null || credits.refill === undefined) return { amount, refill: null };
  return {
    amount,
    refill: {
      amount: wholeNumber(credits.refill.amount, 'credits.refill.amount', 1, MAX_TOKEN_CREDITS),
      intervalSeconds: wholeNumber(credits.refill.intervalSeconds, 'credits.refill.interval_seconds', 1, MAX_CREDITS_REFILL_INTERVAL_SECONDS),
    },
  };
}

/** The `TokenPolicyChanged` a change makes of the token's policy; none when it changes nothing. */
export function decidePolicy(token: Token, changes: TokenPolicyChanges, at: string): TokenEvent[] {
  let description = token.description;
  if (changes.description !== undefined) {
    const trimmed = changes.description === null ? '' : changes.description.trim();
    if (trimmed.length > MAX_TOKEN_DESCRIPTION_LENGTH) throw invalid('description', `must be at most ${MAX_TOKEN_DESCRIPTION_LENGTH} characters`);
    description = trimmed === '' ? null : trimmed;
  }
  const metadata = changes.metadata === undefined ? token.metadata : checkedMetadata(changes.metadata);
  const allowedIps = changes.allowedIps === undefined ? token.allowedIps : checkedAllowedIps(changes.allowedIps);
  const rateLimit = changes.rateLimit === undefined ? token.rateLimit : changes.rateLimit === null ? null : checkedRateLimit(changes.rateLimit);
  const creditsGranted = changes.credits !== undefined && changes.credits !== null;
  const credits = changes.credits === undefined ? policyOf(token.credits) : changes.credits === null ? null : checkedCredits(changes.credits);
  const data: TokenPolicyChanged['data'] = { tokenId: token.tokenId, description, metadata, allowedIps, rateLimit, credits, creditsGranted, changedAt: at };
  const unchanged =
    !creditsGranted &&
    description === token.description &&
    JSON.stringify(metadata) === JSON.stringify(token.metadata) &&
    JSON.stringify(allowedIps) === JSON.stringify(token.allowedIps) &&
    JSON.stringify(rateLimit) === JSON.stringify(token.rateLimit) &&
    JSON.stringify(credits) === JSON.stringify(policyOf(token.credits));
  return unchanged ? [] : [{ type: 'TokenPolicyChanged', data }];
}

function policyOf(credits: TokenCredits | null): TokenCreditsPolicy | null {
  return credits === null ? null : { amount: credits.amount, refill: credits.refill };
}

export function evolvePolicy(token: Token, event: TokenPolicyChanged): Token {
  const { description, metadata, allowedIps, rateLimit, credits, creditsGranted, changedAt } = event.data;
  // Grants are numbered across removals too, so credits set again never find an old counter.
  const creditsGrants = token.creditsGrants + (creditsGranted ? 1 : 0);
  let next: TokenCredits | null = null;
  if (credits !== null) {
    next = creditsGranted || token.credits === null ? { ...credits, grant: creditsGrants, grantedAt: changedAt } : { ...credits, grant: token.credits.grant, grantedAt: token.credits.grantedAt };
  }
  return { ...token, description, metadata, allowedIps, rateLimit, credits: next, creditsGrants };
}
