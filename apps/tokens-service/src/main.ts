import 'reflect-metadata';
import { ServiceNames } from '@warden/contracts';
import { bootConfig } from '@warden/platform';
import { bootstrapService } from '@warden/runtime';
import { tokensConfigSchema } from './tokens-config';
import { TokensServiceModule } from './tokens-service.module';

// The whole schema (the service's own variables and the shared ones) is checked first,
// so a bad SESSION_TTL_SECONDS stops the process before it connects to anything.
const config = bootConfig(tokensConfigSchema);

void bootstrapService({
  service: ServiceNames.tokens,
  appName: 'tokens-service',
  schema: 'tokens',
  eventLog: true,
  defaultHttpPort: 3002,
  module: (infrastructure, logger) => TokensServiceModule.forRoot(infrastructure, config, logger),
});
