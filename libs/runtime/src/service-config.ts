import {
  eventStoreConfig,
  eventsConfig,
  httpConfig,
  loggingConfig,
  natsConfig,
  postgresConfig,
  redisConfig,
  shutdownConfig,
} from '@warden/platform';
import { z } from 'zod';

/** The variables every back-end service reads: its servers and event store, its HTTP port (health), logs, shutdown. */
export function serviceConfigSchema(defaultHttpPort: number) {
  return z.object({
    ...postgresConfig.shape,
    ...natsConfig.shape,
    ...redisConfig.shape,
    ...eventsConfig.shape,
    ...eventStoreConfig.shape,
    ...httpConfig(defaultHttpPort).shape,
    ...loggingConfig.shape,
    ...shutdownConfig.shape,
  });
}

export type ServiceConfig = z.infer<ReturnType<typeof serviceConfigSchema>>;
