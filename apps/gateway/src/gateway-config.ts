import { httpConfig, loggingConfig, natsConfig, positiveInt, redisConfig, shutdownConfig } from '@warden/platform';
import { z } from 'zod';
import { authConfig } from './auth/auth-config';

export const gatewayConfigSchema = z.object({
  ...natsConfig.shape,
  ...redisConfig.shape,
  ...httpConfig(3000).shape,
  ...loggingConfig.shape,
  ...shutdownConfig.shape,
  ...authConfig.shape,
  HTTP_BODY_LIMIT_BYTES: positiveInt()
    .default(64 * 1024)
    .describe('Largest request body the API accepts; larger ones get 413'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
