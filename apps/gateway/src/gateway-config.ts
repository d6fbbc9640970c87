import { normalizeAllowedIp } from '@warden/contracts';
import { httpConfig, loggingConfig, natsConfig, positiveInt, redisConfig, shutdownConfig, urlWithScheme, verificationCacheConfig } from '@warden/platform';
import { z } from 'zod';
import { authConfig } from './auth/auth-config';

export const gatewayConfigSchema = z.object({
  ...natsConfig.shape,
  ...redisConfig.shape,
  ...httpConfig(3000).shape,
  ...loggingConfig.shape,
  ...shutdownConfig.shape,
  ...authConfig.shape,
  ...verificationCacheConfig.shape,
  HTTP_BODY_LIMIT_BYTES: positiveInt()
    .default(64 * 1024)
    .describe('Largest request body the API accepts; larger ones get 413'),
  PUBLIC_BASE_URL: urlWithScheme(['http:', 'https:'], 'must be an http(s) URL such as https://warden.example.com')
    .optional()
    .describe(
      'Scheme, host and port clients reach the gateway at, for the URLs in answers (pagination links, resource urls); never taken from the Host header. Default: http://HTTP_HOST:HTTP_PORT',
    ),
  TRUSTED_PROXIES: z
    .string()
    .refine(
      (value) => value.split(',').every((entry) => normalizeAllowedIp(entry).ok),
      'must be IP addresses or CIDR blocks, comma-separated',
    )
    .optional()
    .describe(
      "Addresses or CIDR blocks of the reverse proxies in front of the gateway (comma-separated): a request's client address is taken from X-Forwarded-For only when the connection comes from one of them (for API tokens' IP allowlists, login throttling and the audit log); otherwise always from the socket",
    ),
});

/** Fastify's `trustProxy`: the trusted proxies' blocks, or false (the socket's address, X-Forwarded-For ignored). */
export function trustProxyOf(config: Pick<GatewayConfig, 'TRUSTED_PROXIES'>): string[] | false {
  const entries = (config.TRUSTED_PROXIES ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.length === 0 ? false : entries;
}

/** Where clients reach the gateway, without a trailing slash. */
export function publicBaseUrlOf(config: Pick<GatewayConfig, 'PUBLIC_BASE_URL' | 'HTTP_HOST' | 'HTTP_PORT'>): string {
  const url = new URL(config.PUBLIC_BASE_URL ?? `http://${config.HTTP_HOST}:${config.HTTP_PORT}`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
