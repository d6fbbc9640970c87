import { DynamicModule, Module } from '@nestjs/common';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  NatsRpcModule,
  ServiceClient,
  WardenLogger,
  natsHealthCheck,
  redisConnection,
  redisHealthCheck,
} from '@warden/platform';
import { AuditController } from './audit/audit.controller';
import { AuthModule } from './auth/auth.module';
import { ConsoleAssets, ConsoleController, DEFAULT_CONSOLE_FOLDER } from './console/console.controller';
import { GatewayConfig, publicBaseUrlOf } from './gateway-config';
import { IdempotencyModule, honourIdempotencyKeys } from './idempotency/idempotency.module';
import { ApiDescription, ApiDocsController } from './openapi/api-docs.controller';
import { OAuthController } from './oauth/oauth.controller';
import { ServiceAccountCredentialsController } from './oauth/service-account-credentials.controller';
import { OrganizationsController } from './organizations/organizations.controller';
import { ReadModelsController } from './read-models/read-models.controller';
import { RolesController } from './roles/roles.controller';
import { TeamsController } from './teams/teams.controller';
import { TokensController } from './tokens/tokens.controller';
import { SecretScanningController } from './tokens/secret-scanning.controller';
import { UsersController } from './users/users.controller';
import { WebhooksController } from './webhooks/webhooks.controller';

const GATEWAY_CONTROLLERS = [
  OrganizationsController,
  UsersController,
  TeamsController,
  RolesController,
  AuditController,
  TokensController,
  SecretScanningController,
  WebhooksController,
  ReadModelsController,
  ApiDocsController,
  OAuthController,
  ServiceAccountCredentialsController,
  ConsoleController,
];

export interface GatewayModuleOptions {
  /** The console's static build (dist/console by default). */
  consoleFolder?: string;
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: WardenLogger, options: GatewayModuleOptions = {}): DynamicModule {
    const rpc = NatsRpcModule.forRoot(config);
    const auth = AuthModule.forRoot({ config, rpc, publicBaseUrl: publicBaseUrlOf(config) });
    honourIdempotencyKeys([...GATEWAY_CONTROLLERS, ...(auth.controllers ?? [])]);
    return {
      module: GatewayModule,
      imports: [
        LoggingModule.forRoot(logger),
        rpc,
        auth,
        IdempotencyModule.forRoot({ config }),
        HealthModule.forRoot({
          imports: [rpc],
          inject: [ServiceClient],
          useFactory: (services: ServiceClient) => [
            natsHealthCheck({ connection: () => services.connection() }),
            redisHealthCheck(redisConnection(config)),
          ],
        }),
        MetricsModule,
      ],
      controllers: GATEWAY_CONTROLLERS,
      providers: [ApiDescription, { provide: ConsoleAssets, useValue: new ConsoleAssets(options.consoleFolder ?? DEFAULT_CONSOLE_FOLDER) }],
    };
  }
}
