import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ServiceNames } from '@warden/contracts';
import { MessagingLog } from '@warden/messaging';
import { APP_LOGGER, WardenLogger } from '@warden/platform';
import { SERVICE_INFRASTRUCTURE, ServiceInfrastructure } from '@warden/runtime';
import { TokenAsOf } from './as-of/token-as-of';
import { UserAsOf } from './as-of/user-as-of';
import { AuditChainCheck } from './audit-log/audit-chain-check';
import { AuditIngestor } from './audit-log/audit-ingestor';
import { AuditRecordRepository } from './audit-log/audit-record.repository';
import { AuditController } from './audit-log/audit.controller';
import { AuditBackfill } from './backfill/audit-backfill';
import { EventSource, SourceEventStores } from './backfill/source-event-stores';
import { AuditLogReplay } from './replay/audit-log-replay';
import { AuditLogReplayController } from './replay/audit-log-replay.controller';

export const AUDIT_SCHEMA = 'audit';

/** The services whose events the audit log holds, and the schemas of their event stores. */
export const AUDITED_SOURCES: EventSource[] = [
  { service: ServiceNames.users, schema: 'users' },
  { service: ServiceNames.tokens, schema: 'tokens' },
  { service: ServiceNames.webhooks, schema: 'webhooks' },
];

const messagingLog =
  (logger: WardenLogger): MessagingLog =>
  (level, message, fields) =>
    logger[level](fields ?? {}, message);

/** Starts the JetStream consumer and the backfill (a pass at boot, then one every few seconds); stops both, then the stores, at shutdown. */
class AuditLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AuditIngestor) private readonly ingestor: AuditIngestor,
    @Inject(AuditBackfill) private readonly backfill: AuditBackfill,
    @Inject(SourceEventStores) private readonly sources: SourceEventStores,
    @Inject(AuditChainCheck) private readonly chainCheck: AuditChainCheck,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ingestor.start();
    this.chainCheck.start();
    // In the background: a long backfill must not hold up readiness, and it is idempotent.
    this.backfill.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.chainCheck.stop();
    await this.ingestor.stop();
    await this.backfill.stop();
    await this.sources.close();
  }
}

@Module({})
export class AuditServiceModule {
  static forRoot(): DynamicModule {
    return {
      module: AuditServiceModule,
      controllers: [AuditController, AuditLogReplayController],
      providers: [
        {
          provide: AuditRecordRepository,
          inject: [SERVICE_INFRASTRUCTURE],
          useFactory: async (infrastructure: ServiceInfrastructure) => {
            const records = new AuditRecordRepository(infrastructure.pool, infrastructure.options.schema);
            await records.migrate();
            return records;
          },
        },
        {
          provide: SourceEventStores,
          inject: [SERVICE_INFRASTRUCTURE, APP_LOGGER],
          useFactory: (infrastructure: ServiceInfrastructure, logger: WardenLogger) =>
            new SourceEventStores(
              infrastructure.pool,
              AUDITED_SOURCES,
              {
                log: (message) => logger.info(message),
                warn: (message) => logger.warn(message),
                error: (message) => logger.error(message),
              },
              infrastructure.options.config,
            ),
        },
        {
          provide: AuditChainCheck,
          inject: [AuditRecordRepository, APP_LOGGER],
          useFactory: (records: AuditRecordRepository, logger: WardenLogger) => new AuditChainCheck(() => records.verify(), logger),
        },
        {
          provide: AuditIngestor,
          inject: [SERVICE_INFRASTRUCTURE, AuditRecordRepository, APP_LOGGER],
          useFactory: (infrastructure: ServiceInfrastructure, records: AuditRecordRepository, logger: WardenLogger) =>
            new AuditIngestor({
              nats: infrastructure.nats,
              stream: infrastructure.options.config.EVENTS_STREAM,
              subjectPrefix: infrastructure.options.config.EVENTS_SUBJECT_PREFIX,
              records,
              log: messagingLog(logger),
            }),
        },
        {
          provide: AuditBackfill,
          inject: [AuditRecordRepository, SourceEventStores, APP_LOGGER],
          useFactory: (records: AuditRecordRepository, sources: SourceEventStores, logger: WardenLogger) =>
            new AuditBackfill({ records, sources, log: messagingLog(logger) }),
        },
        {
          provide: AuditLogReplay,
          // After the records' migrations: a replay copies the tables they create.
          inject: [SERVICE_INFRASTRUCTURE, SourceEventStores, AuditRecordRepository],
          useFactory: (infrastructure: ServiceInfrastructure, sources: SourceEventStores) =>
            new AuditLogReplay({ pool: infrastructure.pool, schema: infrastructure.options.schema, sources }),
        },
        {
          provide: UserAsOf,
          inject: [SourceEventStores],
          useFactory: (sources: SourceEventStores) => new UserAsOf(sources, ServiceNames.users),
        },
        {
          provide: TokenAsOf,
          inject: [SourceEventStores],
          useFactory: (sources: SourceEventStores) => new TokenAsOf(sources, { tokens: ServiceNames.tokens, users: ServiceNames.users }),
        },
        AuditLifecycle,
      ],
    };
  }
}
