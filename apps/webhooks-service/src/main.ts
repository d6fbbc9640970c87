import 'reflect-metadata';
import { ServiceNames } from '@warden/contracts';
import { bootConfig } from '@warden/platform';
import { bootstrapService } from '@warden/runtime';
import { WEBHOOKS_SCHEMA, WebhooksServiceModule } from './webhooks-service.module';
import { webhooksConfigSchema } from './webhooks-config';

// The whole schema first: a missing WEBHOOKS_SECRET_KEY stops the process before it connects to anything.
const config = bootConfig(webhooksConfigSchema);

void bootstrapService({
  service: ServiceNames.webhooks,
  appName: 'webhooks-service',
  schema: WEBHOOKS_SCHEMA,
  // Subscriptions are event-sourced like every other aggregate; deliveries are its own table.
  eventLog: true,
  defaultHttpPort: 3004,
  module: (infrastructure, logger) => WebhooksServiceModule.forRoot(infrastructure, config, logger),
});
