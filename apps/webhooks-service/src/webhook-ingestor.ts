import { EventConsumer, MessagingLog, PublishedEvent } from '@warden/messaging';
import { ServiceNames } from '@warden/contracts';
import { NatsConnection } from 'nats';
import { webhookMessageOf } from './event-mapping';
import { WebhookStore } from './webhook-store';

export const WEBHOOKS_DURABLE = 'webhooks';

export interface WebhookIngestorOptions {
  nats: NatsConnection;
  stream: string;
  subjectPrefix: string;
  store: WebhookStore;
  /** Brings a subscription's row up to its stream (the webhooks service's own events). */
  refreshSubscription: (subscriptionId: string) => Promise<void>;
  /** Told when new deliveries were written. */
  onEnqueued: () => void;
  log: MessagingLog;
  /** Default `webhooks`: instances sharing it share the work. */
  durable?: string;
}

/**
 * Every event of every service, from a durable JetStream consumer: an event that matches
 * subscriptions becomes their deliveries, written before the event is acknowledged, so a
 * crash between the two redelivers the event and writes nothing twice (delivery ids are
 * derived from the event and the subscription). The service's own subscription events keep
 * the subscriptions table up to date when the command that appended them could not.
 */
export class WebhookIngestor {
  private readonly consumer: EventConsumer;

  constructor(private readonly options: WebhookIngestorOptions) {
    this.consumer = new EventConsumer(options.nats, { stream: options.stream, log: options.log });
  }

  async start(): Promise<void> {
    await this.consumer.start({
      durable: this.options.durable ?? WEBHOOKS_DURABLE,
      filterSubjects: [`${this.options.subjectPrefix}.>`],
      // In order: a subscription's own events come before the events it is to be sent.
      maxAckPending: 1,
      handler: (event) => this.handle(event),
    });
  }

  async handle(event: PublishedEvent): Promise<void> {
    if (event.service === ServiceNames.webhooks) {
      const subscriptionId = (event.data as { subscriptionId?: unknown }).subscriptionId;
      if (typeof subscriptionId === 'string') await this.options.refreshSubscription(subscriptionId);
      return;
    }
    const message = webhookMessageOf(event);
    if (!message) return;
    const timestamp = new Date(event.recordedAt).toISOString();
    const created = await this.options.store.enqueue({
      eventId: event.id,
      type: message.type,
      organizationId: message.organizationId,
      occurredAt: timestamp,
      body: () => JSON.stringify({ type: message.type, timestamp, data: message.data }),
    });
    if (created > 0) this.options.onEnqueued();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  status() {
    return this.consumer.status();
  }
}
