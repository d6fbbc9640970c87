import { DynamicModule, Module } from '@nestjs/common';
import {
  HealthModule,
  LoggingModule,
  NatsRpcModule,
  ServiceClient,
  WardenLogger,
  natsHealthCheck,
  redisHealthCheck,
} from '@warden/platform';
import { AuditController } from './audit/audit.controller';
import { AuthModule } from './auth/auth.module';
import { GatewayConfig } from './gateway-config';
import { OrganizationsController } from './organizations/organizations.controller';
import { RolesController } from './roles/roles.controller';
import { TeamsController } from './teams/teams.controller';
import { TokensController } from './tokens/tokens.controller';
import { UsersController } from './users/users.controller';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: WardenLogger): DynamicModule {
    const rpc = NatsRpcModule.forRoot(config);
    return {
      module: GatewayModule,
      imports: [
        LoggingModule.forRoot(logger),
        rpc,
        AuthModule.forRoot({ config, rpc }),
        HealthModule.forRoot({
          imports: [rpc],
          inject: [ServiceClient],
          useFactory: (services: ServiceClient) => [
            natsHealthCheck({ connection: () => services.connection() }),
            redisHealthCheck({ url: config.REDIS_URL }),
          ],
        }),
      ],
      controllers: [OrganizationsController, UsersController, TeamsController, RolesController, AuditController, TokensController],
    };
  }
}
