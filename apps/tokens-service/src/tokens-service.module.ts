import { randomBytes } from 'node:crypto';
import { DynamicModule, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MAX_ACCESS_TOKEN_LIFETIME_SECONDS, ServiceNames } from '@warden/contracts';
import { EventConsumer, serviceEventsFilter } from '@warden/messaging';
import type { WardenLogger } from '@warden/platform';
import { ServiceInfrastructure, openAppVerificationCache } from '@warden/runtime';
import { AccessTokenKeyring, accessTokenKeyringOf, cacheInvalidationsOn } from '@warden/token-verifier';
import { CredentialReadModel } from './credentials/credential-read-model';
import { CredentialReplay } from './credentials/credential-replay';
import { CredentialStoreVerification } from './credentials/credential-store-verification';
import { CredentialStreams, LogCredentialStreams, PostgresCredentialStreams } from './credentials/credential-streams';
import { ReadModelsController } from './credentials/read-models.controller';
import { OwnedTokensController } from './owners/owned-tokens.controller';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { GrantLedger } from './oauth/grant-ledger';
import { OAuthController } from './oauth/oauth.controller';
import { OAuthClientsService } from './oauth/oauth-clients.service';
import { TokenEndpoint } from './oauth/token-endpoint';
import { WorkloadIssuers } from './oauth/workload-issuers';
import { TokensConfig } from './tokens-config';
import { TokensController } from './tokens/tokens.controller';
import { scannerPublicKeys } from './tokens/scanner-alert';
import { TokenExpiryScheduler } from './tokens/token-expiry-scheduler';
import { TokensService } from './tokens/tokens.service';

const READ_MODEL_CHECK_INTERVAL_MS = 5_000;
const KEY_ROTATION_CHECK_INTERVAL_MS = 60_000;
// Beyond the longest access token: clocks of instances may differ, and a rotation may be checked late.
const KEY_RETIREMENT_MARGIN_MS = 60 * 60 * 1000;
// Each organization sets its access tokens' lifetime: a retired key verifies for the longest it may set.
const KEY_RETIREMENT_AFTER_MS = MAX_ACCESS_TOKEN_LIFETIME_SECONDS * 1000 + KEY_RETIREMENT_MARGIN_MS;

/** Builds the read model at start, keeps it fed from JetStream, and rebuilds it if Redis loses it. */
class CredentialReadModelLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private usesTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<unknown> | undefined;
  private keysTimer: NodeJS.Timeout | undefined;
  private schedulerTimer: NodeJS.Timeout | undefined;
  private scheduling: Promise<unknown> | undefined;

  constructor(
    private readonly readModel: CredentialReadModel,
    private readonly credentialStreams: CredentialStreams,
    private readonly tokens: TokensService,
    private readonly replay: CredentialReplay,
    private readonly consumer: EventConsumer,
    private readonly config: TokensConfig,
    private readonly logger: WardenLogger,
    private readonly keyring: AccessTokenKeyring,
    private readonly ledger: GrantLedger,
    private readonly scheduler: TokenExpiryScheduler,
    private readonly verificationCache: { close(): Promise<void> } | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The store fallback's lookup, ready before the read model can be found missing.
    await this.credentialStreams.migrate();
    await this.readModel.ensureBuilt();
    await this.rotateAccessTokenKeys();
    this.keysTimer = setInterval(() => {
      this.rotateAccessTokenKeys().catch((error: unknown) => this.logger.warn({ err: error }, 'rotating access token keys failed'));
    }, KEY_ROTATION_CHECK_INTERVAL_MS);
    this.keysTimer.unref();
    // The safety net behind the inline apply: an event committed by an instance that died
    // before applying it still reaches the read model (a no-op for every other event).
    await this.consumer.start({
      durable: 'tokens-credential-read-model',
      filterSubjects: [serviceEventsFilter(this.config.EVENTS_SUBJECT_PREFIX, ServiceNames.tokens)],
      handler: async (event) => {
        await this.readModel.apply(event);
      },
    });
    this.timer = setInterval(() => {
      this.readModel.ensureBuilt().catch((error: unknown) => this.logger.warn({ err: error }, 'credential read model rebuild failed'));
    }, READ_MODEL_CHECK_INTERVAL_MS);
    this.timer.unref();
    // Last uses, left in Redis by the gateways, become TokenUsed events (no event per request).
    this.usesTimer = setInterval(() => {
      this.flushing ??= this.tokens
        .recordUses()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'recording token uses failed'))
        .finally(() => {
          this.flushing = undefined;
        });
    }, this.config.TOKEN_USE_FLUSH_INTERVAL_MS);
    this.usesTimer.unref();
    // Expiry warnings, expiries and unused tokens: one instance at a time does the turn.
    this.schedulerTimer = setInterval(() => {
      this.scheduling ??= this.scheduler
        .run()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'the token expiry scheduler failed'))
        .finally(() => {
          this.scheduling = undefined;
        });
    }, this.config.EXPIRY_SCHEDULER_INTERVAL_MS);
    this.schedulerTimer.unref();
  }

  /** A new signing key at the configured interval; an old one retired once every token it signed has expired. */
  private rotateAccessTokenKeys(): Promise<void> {
    const rotateAfterMs = this.config.ACCESS_TOKEN_KEY_ROTATION_SECONDS * 1000;
    return this.keyring.rotate(new Date(), rotateAfterMs, KEY_RETIREMENT_AFTER_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.usesTimer);
    clearInterval(this.keysTimer);
    clearInterval(this.schedulerTimer);
    await this.scheduling;
    await this.ledger.settled();
    await this.flushing;
    // Uses verified over NATS since the last interval, left for the next instance to record.
    await this.tokens.flushUses().catch((error: unknown) => this.logger.warn({ err: error }, 'noting token uses failed'));
    await this.replay.settled().catch(() => undefined);
    await this.consumer.stop();
    await this.verificationCache?.close();
  }
}

// Login sessions, API tokens and the credential read model both verify against.
@Module({})
export class TokensServiceModule {
  static forRoot(infrastructure: ServiceInfrastructure, config: TokensConfig, logger: WardenLogger): DynamicModule {
    const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => logger[level](fields, message);
    const readModel = new CredentialReadModel({
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      store: infrastructure.eventStore(),
      log,
      invalidations: cacheInvalidationsOn(infrastructure.redis, config.REDIS_KEY_PREFIX, config.VERIFICATION_CACHE_LEASE_MS),
    });
    // `tokens.verify` over NATS decides from its own lease-fenced cache, as the gateways do.
    const verificationCache = openAppVerificationCache(infrastructure.redis, config, logger);
    infrastructure.addHealthCheck(readModel.healthCheck());
    const sessions = new SessionsService({
      store: infrastructure.eventStore(),
      readModel,
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      sessionTtlSeconds: config.SESSION_TTL_SECONDS,
      randomBytes,
      onRefused: (reason, userId) => logger.warn({ reason, userId }, 'refused to start a session'),
    });
    // A trigger on the events table where there is one; otherwise filled from the log.
    const credentialStreams: CredentialStreams =
      config.EVENT_STORE === 'postgres'
        ? new PostgresCredentialStreams(infrastructure.pool, infrastructure.options.schema)
        : new LogCredentialStreams(infrastructure.pool, infrastructure.options.schema, infrastructure.eventStore());
    const storeVerification = new CredentialStoreVerification({
      store: infrastructure.eventStore(),
      streams: credentialStreams,
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
    });
    const tokens = new TokensService({
      store: infrastructure.eventStore(),
      storeVerification,
      readModel,
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      randomBytes,
      exchangedTokenLifetimeSeconds: config.EXCHANGED_TOKEN_LIFETIME_SECONDS,
      scannerKeys: scannerPublicKeys(JSON.parse(config.SECRET_SCANNING_PUBLIC_KEYS) as Record<string, string>),
      cache: verificationCache,
    });
    const keyring = accessTokenKeyringOf(infrastructure.redis, config.REDIS_KEY_PREFIX);
    const ledger = new GrantLedger(infrastructure.eventStore());
    const endpoint = new TokenEndpoint({
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      store: infrastructure.eventStore(),
      keyring,
      ledger,
      issuers: new WorkloadIssuers(config.FEDERATION_ISSUER_TIMEOUT_MS),
    });
    const clients = new OAuthClientsService({
      store: infrastructure.eventStore(),
      readModel,
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      keyring,
      randomBytes,
      allowHttpIssuers: config.FEDERATION_ALLOW_HTTP_ISSUERS === 'true',
    });
    const consumer = new EventConsumer(infrastructure.nats, { stream: config.EVENTS_STREAM, log });
    const scheduler = new TokenExpiryScheduler({
      store: infrastructure.eventStore(),
      readModel,
      redis: infrastructure.redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      pool: infrastructure.pool,
      schema: infrastructure.options.schema,
    });
    const replay = new CredentialReplay({ readModel, redis: infrastructure.redis, keyPrefix: config.REDIS_KEY_PREFIX, store: infrastructure.eventStore(), log });
    return {
      module: TokensServiceModule,
      controllers: [SessionsController, OwnedTokensController, TokensController, ReadModelsController, OAuthController],
      providers: [
        { provide: CredentialReadModel, useValue: readModel },
        { provide: SessionsService, useValue: sessions },
        { provide: TokensService, useValue: tokens },
        { provide: CredentialReplay, useValue: replay },
        { provide: TokenEndpoint, useValue: endpoint },
        { provide: OAuthClientsService, useValue: clients },
        {
          provide: CredentialReadModelLifecycle,
          useFactory: () =>
            new CredentialReadModelLifecycle(readModel, credentialStreams, tokens, replay, consumer, config, logger, keyring, ledger, scheduler, verificationCache),
        },
      ],
    };
  }
}
