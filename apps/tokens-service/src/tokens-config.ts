import { positiveInt, verificationCacheConfig } from '@warden/platform';
import { z } from 'zod';
import { serviceConfigSchema } from '@warden/runtime';

export const tokensConfigSchema = serviceConfigSchema(3002).extend({
  ...verificationCacheConfig.shape,
  SESSION_TTL_SECONDS: positiveInt()
    .max(24 * 60 * 60, 'must be at most 86400 (a login key is short-lived; exchange it for a token)')
    .default(3600)
    .describe('Lifetime of a login session key (short-lived: an API token is for machines)'),
  EXCHANGED_TOKEN_LIFETIME_SECONDS: positiveInt()
    .default(30 * 24 * 60 * 60)
    .describe("Lifetime of a token from POST /auth/token (a service account's login key exchanged), capped by the organization's max_token_lifetime_seconds"),
  ACCESS_TOKEN_KEY_ROTATION_SECONDS: positiveInt()
    .min(3600)
    .default(7 * 24 * 60 * 60)
    .describe('How often a new key to sign access tokens with is made; the one before verifies until every token it signed expired'),
  FEDERATION_ALLOW_HTTP_ISSUERS: z
    .enum(['true', 'false'])
    .default('false')
    .describe('Whether federation rules may name http: issuers (a test or a private network); otherwise https only'),
  FEDERATION_ISSUER_TIMEOUT_MS: positiveInt()
    .max(30_000)
    .default(3_000)
    .describe("How long a workload token's issuer may take to answer for its discovery document or keys before the exchange is refused"),
  TOKEN_USE_FLUSH_INTERVAL_MS: positiveInt()
    .min(100)
    .default(10_000)
    .describe('How often the last uses the gateways leave in Redis become TokenUsed events'),
  SECRET_SCANNING_PUBLIC_KEYS: z
    .string()
    .default('{}')
    .refine(isKeyMap, 'must be a JSON object of key identifier to PEM public key')
    .describe(
      'The secret scanners whose leak alerts are accepted at POST /secret-scanning/alerts: a JSON object of key identifier (Github-Public-Key-Identifier) to ECDSA P-256 public key in PEM. Empty: every alert is refused',
    ),
  EXPIRY_SCHEDULER_INTERVAL_MS: positiveInt()
    .min(100)
    .default(60_000)
    .describe('How often the tokens service looks for expiry warnings that are due, expired tokens and tokens unused too long'),
});

function isKeyMap(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((pem) => typeof pem === 'string');
  } catch {
    return false;
  }
}

export type TokensConfig = ReturnType<typeof tokensConfigSchema.parse>;
