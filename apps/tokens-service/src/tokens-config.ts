import { positiveInt } from '@warden/platform';
import { serviceConfigSchema } from '@warden/runtime';

export const tokensConfigSchema = serviceConfigSchema(3002).extend({
  SESSION_TTL_SECONDS: positiveInt()
    .max(24 * 60 * 60, 'must be at most 86400 (a login key is short-lived; exchange it for a token)')
    .default(3600)
    .describe('Lifetime of a login session key (short-lived: an API token is for machines)'),
  EXCHANGED_TOKEN_LIFETIME_SECONDS: positiveInt()
    .default(30 * 24 * 60 * 60)
    .describe("Lifetime of a token from POST /auth/token (a service account's login key exchanged), capped by the organization's max_token_lifetime_seconds"),
  TOKEN_USE_FLUSH_INTERVAL_MS: positiveInt()
    .min(100)
    .default(10_000)
    .describe('How often the last uses the gateways leave in Redis become TokenUsed events'),
});

export type TokensConfig = ReturnType<typeof tokensConfigSchema.parse>;
