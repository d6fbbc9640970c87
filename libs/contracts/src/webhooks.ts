// Outbound webhooks: an organization's subscriptions, what the webhooks service sends to
// them (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), and the
// request-reply subjects between the gateway and the webhooks service.

export const WebhooksRequestSubjects = {
  createSubscription: 'webhooks.subscriptions.create',
  listSubscriptions: 'webhooks.subscriptions.list',
  getSubscription: 'webhooks.subscriptions.get',
  updateSubscription: 'webhooks.subscriptions.update',
  deleteSubscription: 'webhooks.subscriptions.delete',
  rotateSecret: 'webhooks.subscriptions.rotate-secret',
  listDeliveries: 'webhooks.deliveries.list',
  redeliver: 'webhooks.deliveries.redeliver',
} as const;

/** Every event type a subscription may name. */
export const WEBHOOK_EVENT_TYPES = [
  'token.issued',
  'token.rotated',
  'token.revoked',
  'token.expiring',
  'token.expired',
  'token.leaked',
  'token.disabled',
  'token.enabled',
  'account.created',
  'account.deactivated',
  'account.reactivated',
  'account.deleted',
  'service_account.limit_reached',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** Why a subscription stopped receiving deliveries. */
export type WebhookDisabledReason = 'manual' | 'failing';

export interface WebhookSubscriptionView {
  id: string;
  organization_id: string;
  url: string;
  event_types: WebhookEventType[];
  enabled: boolean;
  /** Set when the subscription was switched off because its deliveries kept failing. */
  disabled_reason: WebhookDisabledReason | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** The answer to a create or a secret rotation: the only time the signing secret is shown. */
export interface WebhookSubscriptionWithSecretView extends WebhookSubscriptionView {
  /** `whsec_` and the base64 of the HMAC key, as Standard Webhooks libraries take it. */
  secret: string;
}

export interface WebhookSubscriptionsPage {
  results: WebhookSubscriptionView[];
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryView {
  /** The `webhook-id` header: the same for every attempt and every redelivery of this message. */
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: WebhookEventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last attempt; null before one, or when it got no answer. */
  response_code: number | null;
  /** Milliseconds the last attempt took. */
  latency_ms: number | null;
  /** What went wrong with the last attempt, when it got no HTTP answer. */
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesPage {
  results: WebhookDeliveryView[];
  next_cursor: string | null;
}

export interface CreateWebhookSubscriptionRequest {
  url: string;
  event_types: string[];
  enabled?: boolean;
  description?: string | null;
}

export interface UpdateWebhookSubscriptionRequest {
  subscription_id: string;
  url?: string;
  event_types?: string[];
  enabled?: boolean;
  description?: string | null;
}

export interface WebhookSubscriptionRef {
  subscription_id: string;
}

export interface ListWebhookDeliveriesRequest {
  subscription_id: string;
  limit: number;
  cursor?: string;
  status?: WebhookDeliveryStatus;
}

export interface RedeliverWebhookRequest {
  subscription_id: string;
  delivery_id: string;
}
