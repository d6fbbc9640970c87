// The commands and queries on an organization's webhook subscriptions. Who may: the access
// library decides (`webhooks:read`, `webhooks:write` across the caller's organization; super
// admins and the internal service account hold both). Every query and command works within
// the caller's organization: another's subscriptions and deliveries are not found.
import { Principal, holdsOrganizationWide, principalOfView } from '@warden/access';
import {
  CommonErrorCode,
  CreateWebhookSubscriptionRequest,
  ListWebhookDeliveriesRequest,
  RedeliverWebhookRequest,
  RequestContext,
  UpdateWebhookSubscriptionRequest,
  WardenError,
  WebhookDeliveriesPage,
  WebhookDeliveryView,
  WebhookSubscriptionView,
  WebhookSubscriptionWithSecretView,
  WebhookSubscriptionsPage,
  idempotentId,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { CommandHandler, eventMetadataFrom, loadState } from '@warden/kernel';
import { v7 as uuidv7 } from 'uuid';
import {
  WebhookSubscriptionCommand,
  WebhookSubscriptionEvent,
  WebhookSubscriptionState,
  checkWebhookUrl,
  webhookSubscriptionDecider,
  webhookSubscriptionStreamId,
} from './domain/webhook-subscription.decider';
import { SecretBox } from './secret-box';
import { newSigningSecret } from './signing';
import { WebhookTargetPolicy } from './target-policy';
import { WebhookStore, subscriptionView } from './webhook-store';

export type WebhookPermission = 'webhooks:read' | 'webhooks:write';

export function webhookCallerOf(context: RequestContext, permission: WebhookPermission): Principal {
  if (!context.principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  const principal = principalOfView(context.principal);
  if (!holdsOrganizationWide(principal, permission)) {
    throw new WardenError(CommonErrorCode.Forbidden, `Webhook subscriptions need the ${permission} permission`);
  }
  return principal;
}

/** The internal caller that disables a subscription whose deliveries failed for the whole retry window. */
const SYSTEM_CONTEXT = (organizationId: string): RequestContext => ({ correlationId: uuidv7(), actorType: 'system', organizationId });

export class WebhookSubscriptions {
  private readonly handler: CommandHandler<WebhookSubscriptionCommand, WebhookSubscriptionEvent, WebhookSubscriptionState>;

  constructor(
    private readonly options: {
      eventStore: EventStore;
      store: WebhookStore;
      secrets: SecretBox;
      targets: WebhookTargetPolicy;
      now?: () => Date;
    },
  ) {
    this.handler = new CommandHandler(options.eventStore, webhookSubscriptionDecider);
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  async create(context: RequestContext, request: CreateWebhookSubscriptionRequest): Promise<WebhookSubscriptionWithSecretView> {
    const caller = webhookCallerOf(context, 'webhooks:write');
    const url = checkWebhookUrl(request.url);
    await this.options.targets.resolve(url);
    const subscriptionId = context.idempotencyFingerprint ? idempotentId(context.idempotencyFingerprint, 'webhooks.subscriptions.create') : uuidv7();
    const secret = newSigningSecret();
    const result = await this.run(context, subscriptionId, {
      type: 'CreateWebhookSubscription',
      subscriptionId,
      organizationId: caller.organizationId,
      url,
      eventTypes: request.event_types,
      enabled: request.enabled ?? true,
      description: request.description ?? null,
      sealedSecret: this.options.secrets.seal(secret),
      at: this.now(),
    });
    if (result === 0) {
      throw new WardenError(
        CommonErrorCode.IdempotentReplayWithheld,
        `The first request with this Idempotency-Key succeeded (201, id ${subscriptionId}); its answer held the signing secret, ` +
          'which is shown once and not kept. Rotate the secret for a new one.',
      );
    }
    return { ...subscriptionView(await this.options.store.subscription(caller.organizationId, subscriptionId)), secret };
  }

  async list(context: RequestContext): Promise<WebhookSubscriptionsPage> {
    const caller = webhookCallerOf(context, 'webhooks:read');
    return { results: (await this.options.store.listSubscriptions(caller.organizationId)).map(subscriptionView) };
  }

  async get(context: RequestContext, subscriptionId: string): Promise<WebhookSubscriptionView> {
    const caller = webhookCallerOf(context, 'webhooks:read');
    return subscriptionView(await this.options.store.subscription(caller.organizationId, subscriptionId));
  }

  async update(context: RequestContext, request: UpdateWebhookSubscriptionRequest): Promise<WebhookSubscriptionView> {
    const caller = webhookCallerOf(context, 'webhooks:write');
    // Not found before a refusal of the URL: another organization's id reveals nothing.
    await this.options.store.subscription(caller.organizationId, request.subscription_id);
    if (request.url !== undefined) await this.options.targets.resolve(checkWebhookUrl(request.url));
    await this.run(context, request.subscription_id, {
      type: 'UpdateWebhookSubscription',
      organizationId: caller.organizationId,
      changes: { url: request.url, eventTypes: request.event_types, enabled: request.enabled, description: request.description },
      at: this.now(),
    });
    return subscriptionView(await this.options.store.subscription(caller.organizationId, request.subscription_id));
  }

  async rotateSecret(context: RequestContext, subscriptionId: string): Promise<WebhookSubscriptionWithSecretView> {
    const caller = webhookCallerOf(context, 'webhooks:write');
    const secret = newSigningSecret();
    await this.run(context, subscriptionId, {
      type: 'RotateWebhookSecret',
      organizationId: caller.organizationId,
      sealedSecret: this.options.secrets.seal(secret),
      at: this.now(),
    });
    return { ...subscriptionView(await this.options.store.subscription(caller.organizationId, subscriptionId)), secret };
  }

  async delete(context: RequestContext, subscriptionId: string): Promise<void> {
    const caller = webhookCallerOf(context, 'webhooks:write');
    await this.run(context, subscriptionId, { type: 'DeleteWebhookSubscription', organizationId: caller.organizationId, at: this.now() });
  }

  async deliveries(context: RequestContext, request: ListWebhookDeliveriesRequest): Promise<WebhookDeliveriesPage> {
    const caller = webhookCallerOf(context, 'webhooks:read');
    await this.options.store.subscription(caller.organizationId, request.subscription_id);
    return this.options.store.deliveries(caller.organizationId, request.subscription_id, request);
  }

  async redeliver(context: RequestContext, request: RedeliverWebhookRequest): Promise<WebhookDeliveryView> {
    const caller = webhookCallerOf(context, 'webhooks:write');
    await this.options.store.subscription(caller.organizationId, request.subscription_id);
    return this.options.store.redeliver(caller.organizationId, request.subscription_id, request.delivery_id);
  }

  /** A delivery failed for the whole retry window: its subscription is switched off, with an event saying why. */
  async disableFailing(organizationId: string, subscriptionId: string, deliveryId: string): Promise<void> {
    await this.run(SYSTEM_CONTEXT(organizationId), subscriptionId, {
      type: 'DisableFailingWebhookSubscription',
      organizationId,
      deliveryId,
      at: this.now(),
    });
  }

  /** Brings the subscription's row up to its stream (after a crash between an append and the row's write). */
  async refresh(subscriptionId: string): Promise<void> {
    const { state, version } = await loadState(this.options.eventStore, webhookSubscriptionDecider, webhookSubscriptionStreamId(subscriptionId));
    await this.options.store.saveSubscription(state, version);
  }

  /** Decides and appends, then writes the row before answering: the caller reads its own write. Returns how many events were appended. */
  private async run(context: RequestContext, subscriptionId: string, command: WebhookSubscriptionCommand): Promise<number> {
    const result = await this.handler.handle(
      webhookSubscriptionStreamId(subscriptionId),
      command,
      { metadata: eventMetadataFrom(context), newEventId: uuidv7 },
      { assumeNew: command.type === 'CreateWebhookSubscription' },
    );
    await this.options.store.saveSubscription(result.state, result.version);
    return result.events.length;
  }
}
