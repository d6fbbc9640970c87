import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuthSubjects, CountOwnedTokensResponse, IssuedTokenView, RequestContext, TokensSubjects, verificationCacheKeys } from '@warden/contracts';
import { cacheInvalidationsOn } from '@warden/token-verifier';
import { EventConsumer, RedisProjectionRunner } from '@warden/messaging';
import { APP_LOGGER, NATS_REQUEST_TIMEOUT_MS, NatsRpcModule, ServiceClient, WardenLogger, bootConfig } from '@warden/platform';
import { ServiceInfrastructure } from '@warden/runtime';
import { bootstrapPlatform } from './bootstrap/platform-bootstrap';
import { PasswordLoginController } from './login/password-login.controller';
import { PasswordLoginService } from './login/password-login.service';
import { OrganizationsController } from './organizations/organizations.controller';
import { OrganizationsService } from './organizations/organizations.service';
import { ListingReplay } from './read-models/listing-replay';
import { ListingProjection } from './read-models/listing.projection';
import { PrincipalRecordProjection } from './read-models/principal-record.projection';
import { ReadModelReplayController } from './read-models/read-model-replay.controller';
import { ReadModels } from './read-models/read-models';
import { startTokenActivity } from './read-models/token-activity';
import { RolesController } from './roles/roles.controller';
import { RolesService } from './roles/roles.service';
import { PasswordHasher } from './passwords/password-hasher';
import { PlatformIdentity } from './bootstrap/platform-identity';
import { OwnedTokens, TokenIssuer, UsersContext } from './users-context';
import { TeamsController } from './teams/teams.controller';
import { TeamsService } from './teams/teams.service';
import { UsersConfig, usersConfigSchema } from './users-config';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

const USERS_CONTEXT = Symbol('USERS_CONTEXT');
const READ_MODELS = Symbol('READ_MODELS');
const USERS_CONFIG = Symbol('USERS_CONFIG');
const TOKEN_ACTIVITY = Symbol('TOKEN_ACTIVITY');

/** Bootstraps the platform (once), then keeps the read models current while the service runs. */
@Injectable()
class UsersLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(USERS_CONTEXT) private readonly ctx: UsersContext,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(USERS_CONFIG) private readonly config: UsersConfig,
    @Inject(APP_LOGGER) private readonly logger: WardenLogger,
    @Inject(TOKEN_ACTIVITY) private readonly tokenActivity: { start(): Promise<void>; stop(): Promise<void> },
  ) {}

  async onModuleInit(): Promise<void> {
    const result = await bootstrapPlatform(this.ctx.store, this.ctx.hasher, {
      adminUsername: this.config.BOOTSTRAP_ADMIN_USERNAME,
      adminPassword: this.config.BOOTSTRAP_ADMIN_PASSWORD,
      // Straight to stdout, once, clearly marked: never through the JSON logger.
      announce: (line) => process.stdout.write(`\n*** ${line} ***\n\n`),
    });
    this.ctx.identity.rootOrganizationId = result.rootOrganizationId;
    this.logger.info({ rootOrganizationId: result.rootOrganizationId, created: result.created }, 'platform bootstrapped');
    await this.readModels.start();
    await this.tokenActivity.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tokenActivity.stop();
    await this.readModels.stop();
  }
}

@Module({})
export class UsersServiceModule {
  static forRoot(infrastructure: ServiceInfrastructure, logger: WardenLogger): DynamicModule {
    const config = bootConfig(usersConfigSchema);
    const serviceConfig = infrastructure.options.config;
    const store = infrastructure.eventStore();
    const identity = new PlatformIdentity();
    const listing = new ListingProjection(infrastructure.pool, infrastructure.options.schema);
    const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => logger[level](fields, message);
    const principals = new RedisProjectionRunner({
      redis: infrastructure.redis,
      projection: new PrincipalRecordProjection(serviceConfig.REDIS_KEY_PREFIX, store, identity),
      store,
      log,
      verificationCaches: verificationCacheKeys(serviceConfig.REDIS_KEY_PREFIX),
    });
    const readModels = new ReadModels({
      store,
      principals,
      listing,
      log,
      readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
      invalidations: cacheInvalidationsOn(infrastructure.redis, serviceConfig.REDIS_KEY_PREFIX, config.VERIFICATION_CACHE_LEASE_MS),
    });
    for (const check of readModels.healthChecks()) infrastructure.addHealthCheck(check);
    const rpc = NatsRpcModule.forRoot(serviceConfig, 'users-service-client');
    return {
      module: UsersServiceModule,
      imports: [rpc],
      controllers: [OrganizationsController, UsersController, TeamsController, RolesController, PasswordLoginController, ReadModelReplayController],
      providers: [
        { provide: USERS_CONFIG, useValue: config },
        { provide: READ_MODELS, useValue: readModels },
        { provide: ListingReplay, useValue: new ListingReplay({ pool: infrastructure.pool, store, live: listing }) },
        {
          provide: TOKEN_ACTIVITY,
          useFactory: () => {
            const consumer = new EventConsumer(infrastructure.nats, { stream: serviceConfig.EVENTS_STREAM, log });
            return {
              start: () => startTokenActivity(consumer, infrastructure.pool, listing, serviceConfig.EVENTS_SUBJECT_PREFIX),
              stop: () => consumer.stop(),
            };
          },
        },
        {
          provide: USERS_CONTEXT,
          inject: [ServiceClient, NATS_REQUEST_TIMEOUT_MS],
          useFactory: (services: ServiceClient, requestTimeoutMs: number): UsersContext => {
            const ownedTokens: OwnedTokens = {
              count: async (organizationId: string, userId: string, context: RequestContext) =>
                (await services.send<CountOwnedTokensResponse>(AuthSubjects.countOwnedTokens, { context, payload: { organizationId, userId } })).count,
            };
            // With the caller's context: the tokens service decides the issue as if the caller asked for it.
            // Within half the gateway's wait for this create, so that a tokens service that does not
            // answer still leaves time to answer the account made, with `api_token_error`.
            const tokenIssuer: TokenIssuer = {
              issue: (payload, context) => services.send<IssuedTokenView>(TokensSubjects.issue, { context, payload }, { timeoutMs: requestTimeoutMs / 2 }),
            };
            return {
              store,
              pool: infrastructure.pool,
              listing,
              readModels,
              hasher: new PasswordHasher(),
              identity,
              ownedTokens,
              tokenIssuer,
              clock: () => new Date(),
            };
          },
        },
        { provide: OrganizationsService, inject: [USERS_CONTEXT], useFactory: (ctx: UsersContext) => new OrganizationsService(ctx) },
        { provide: UsersService, inject: [USERS_CONTEXT], useFactory: (ctx: UsersContext) => new UsersService(ctx) },
        { provide: TeamsService, inject: [USERS_CONTEXT], useFactory: (ctx: UsersContext) => new TeamsService(ctx) },
        { provide: RolesService, inject: [USERS_CONTEXT], useFactory: (ctx: UsersContext) => new RolesService(ctx) },
        { provide: PasswordLoginService, inject: [USERS_CONTEXT], useFactory: (ctx: UsersContext) => new PasswordLoginService(ctx) },
        UsersLifecycle,
      ],
    };
  }
}
