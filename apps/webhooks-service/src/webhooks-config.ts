import { positiveInt } from '@warden/platform';
import { serviceConfigSchema } from '@warden/runtime';
import { z } from 'zod';
import { parseAllowedTargets } from './target-policy';

const base64Key = z
  .string()
  .refine((value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)');

export const webhooksConfigSchema = serviceConfigSchema(3004).extend({
  WEBHOOKS_SECRET_KEY: base64Key.describe(
    "Key (32 bytes, base64) that seals webhook signing secrets before they are stored; every instance of the webhooks service needs the same",
  ),
  WEBHOOKS_ALLOWED_TARGETS: z
    .string()
    .default('')
    .refine((value) => {
      try {
        parseAllowedTargets(value);
        return true;
      } catch {
        return false;
      }
    }, 'must be IP addresses or CIDR ranges, comma-separated')
    .describe('Internal addresses (IPs or CIDR ranges, comma-separated) webhooks may be sent to after all; private, loopback and link-local ones are refused otherwise'),
  WEBHOOKS_RETRY_INITIAL_MS: positiveInt().default(30_000).describe('Delay before the first retry of a failed webhook delivery; each next one doubles, with jitter'),
  WEBHOOKS_RETRY_MAX_MS: positiveInt().default(2 * 60 * 60 * 1000).describe('Longest delay between two attempts of a webhook delivery'),
  WEBHOOKS_RETRY_WINDOW_SECONDS: positiveInt()
    .default(24 * 60 * 60)
    .describe('How long a webhook delivery is retried; when it still fails after that, its subscription is disabled'),
  WEBHOOKS_TIMEOUT_MS: positiveInt().max(60_000).default(10_000).describe('How long a webhook receiver may take to answer before the attempt counts as failed'),
  WEBHOOKS_POLL_INTERVAL_MS: positiveInt().default(500).describe('How often the webhooks service looks for deliveries that are due'),
  WEBHOOKS_CONCURRENCY: positiveInt().max(256).default(16).describe('Webhook deliveries one instance sends at a time'),
});

export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
