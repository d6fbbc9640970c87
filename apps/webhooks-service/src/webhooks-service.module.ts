import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagingLog } from '@warden/messaging';
import { WardenLogger } from '@warden/platform';
import { ServiceInfrastructure } from '@warden/runtime';
import { DeliveryWorker } from './delivery-worker';
import { SecretBox } from './secret-box';
import { WebhookTargetPolicy, parseAllowedTargets } from './target-policy';
import { WebhookIngestor } from './webhook-ingestor';
import { WebhookSender } from './webhook-sender';
import { WebhookStore } from './webhook-store';
import { WebhookSubscriptions } from './webhook-subscriptions';
import { WebhooksConfig } from './webhooks-config';
import { WebhooksController } from './webhooks.controller';

export const WEBHOOKS_SCHEMA = 'webhooks';

const messagingLog =
  (logger: WardenLogger): MessagingLog =>
  (level, message, fields) =>
    logger[level](fields ?? {}, message);

/** Starts the consumer and the delivery worker at boot; stops both at shutdown, before the connections close. */
class WebhooksLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(WebhookIngestor) private readonly ingestor: WebhookIngestor,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ingestor.start();
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ingestor.stop();
    await this.worker.stop();
    this.sender.close();
  }
}

@Module({})
export class WebhooksServiceModule {
  static forRoot(infrastructure: ServiceInfrastructure, config: WebhooksConfig, logger: WardenLogger): DynamicModule {
    const targets = new WebhookTargetPolicy(parseAllowedTargets(config.WEBHOOKS_ALLOWED_TARGETS));
    const secrets = new SecretBox(config.WEBHOOKS_SECRET_KEY);
    const sender = new WebhookSender(targets, config.WEBHOOKS_TIMEOUT_MS);
    return {
      module: WebhooksServiceModule,
      controllers: [WebhooksController],
      providers: [
        { provide: WebhookSender, useValue: sender },
        {
          provide: WebhookStore,
          useFactory: async () => {
            const store = new WebhookStore(infrastructure.pool, infrastructure.options.schema);
            await store.migrate();
            return store;
          },
        },
        {
          provide: WebhookSubscriptions,
          inject: [WebhookStore],
          useFactory: (store: WebhookStore) => new WebhookSubscriptions({ eventStore: infrastructure.eventStore(), store, secrets, targets }),
        },
        {
          provide: DeliveryWorker,
          inject: [WebhookStore, WebhookSubscriptions],
          useFactory: (store: WebhookStore, subscriptions: WebhookSubscriptions) =>
            new DeliveryWorker({
              store,
              sender,
              secrets,
              retry: { initialMs: config.WEBHOOKS_RETRY_INITIAL_MS, maxMs: config.WEBHOOKS_RETRY_MAX_MS, windowMs: config.WEBHOOKS_RETRY_WINDOW_SECONDS * 1000 },
              timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
              pollIntervalMs: config.WEBHOOKS_POLL_INTERVAL_MS,
              concurrency: config.WEBHOOKS_CONCURRENCY,
              onExhausted: (delivery) => subscriptions.disableFailing(delivery.organizationId, delivery.subscriptionId, delivery.id),
              log: messagingLog(logger),
            }),
        },
        {
          provide: WebhookIngestor,
          inject: [WebhookStore, WebhookSubscriptions, DeliveryWorker],
          useFactory: (store: WebhookStore, subscriptions: WebhookSubscriptions, worker: DeliveryWorker) =>
            new WebhookIngestor({
              nats: infrastructure.nats,
              stream: config.EVENTS_STREAM,
              subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
              store,
              refreshSubscription: (id) => subscriptions.refresh(id),
              onEnqueued: () => worker.wake(),
              log: messagingLog(logger),
            }),
        },
        WebhooksLifecycle,
      ],
    };
  }
}
