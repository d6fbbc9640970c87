import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateWebhookSubscriptionRequest,
  Envelope,
  ListWebhookDeliveriesRequest,
  RedeliverWebhookRequest,
  UpdateWebhookSubscriptionRequest,
  WebhookDeliveriesPage,
  WebhookDeliveryView,
  WebhookSubscriptionRef,
  WebhookSubscriptionView,
  WebhookSubscriptionWithSecretView,
  WebhookSubscriptionsPage,
  WebhooksRequestSubjects,
} from '@warden/contracts';
import { WebhookSubscriptions } from './webhook-subscriptions';

// Each handler authorizes its request in WebhookSubscriptions, within the caller's organization.
@Controller()
export class WebhooksController {
  constructor(@Inject(WebhookSubscriptions) private readonly subscriptions: WebhookSubscriptions) {}

  @MessagePattern(WebhooksRequestSubjects.createSubscription)
  create(@Payload() envelope: Envelope<CreateWebhookSubscriptionRequest>): Promise<WebhookSubscriptionWithSecretView> {
    return this.subscriptions.create(envelope.context, envelope.payload);
  }

  @MessagePattern(WebhooksRequestSubjects.listSubscriptions)
  list(@Payload() envelope: Envelope<unknown>): Promise<WebhookSubscriptionsPage> {
    return this.subscriptions.list(envelope.context);
  }

  @MessagePattern(WebhooksRequestSubjects.getSubscription)
  get(@Payload() envelope: Envelope<WebhookSubscriptionRef>): Promise<WebhookSubscriptionView> {
    return this.subscriptions.get(envelope.context, envelope.payload.subscription_id);
  }

  @MessagePattern(WebhooksRequestSubjects.updateSubscription)
  update(@Payload() envelope: Envelope<UpdateWebhookSubscriptionRequest>): Promise<WebhookSubscriptionView> {
    return this.subscriptions.update(envelope.context, envelope.payload);
  }

  @MessagePattern(WebhooksRequestSubjects.deleteSubscription)
  async delete(@Payload() envelope: Envelope<WebhookSubscriptionRef>): Promise<{ deleted: true }> {
    await this.subscriptions.delete(envelope.context, envelope.payload.subscription_id);
    return { deleted: true };
  }

  @MessagePattern(WebhooksRequestSubjects.rotateSecret)
  rotate(@Payload() envelope: Envelope<WebhookSubscriptionRef>): Promise<WebhookSubscriptionWithSecretView> {
    return this.subscriptions.rotateSecret(envelope.context, envelope.payload.subscription_id);
  }

  @MessagePattern(WebhooksRequestSubjects.listDeliveries)
  deliveries(@Payload() envelope: Envelope<ListWebhookDeliveriesRequest>): Promise<WebhookDeliveriesPage> {
    return this.subscriptions.deliveries(envelope.context, envelope.payload);
  }

  @MessagePattern(WebhooksRequestSubjects.redeliver)
  redeliver(@Payload() envelope: Envelope<RedeliverWebhookRequest>): Promise<WebhookDeliveryView> {
    return this.subscriptions.redeliver(envelope.context, envelope.payload);
  }
}
