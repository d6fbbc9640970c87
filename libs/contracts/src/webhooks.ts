// Outbound webhooks: an organization's subscriptions, what the webhooks service sends to
// them (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), and the
// request-reply subjects between the gateway and the webhooks service.
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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

export class WebhookSubscriptionView {
  id!: string;
  organization_id!: string;
  url!: string;
  event_types!: WebhookEventType[];
  enabled!: boolean;
  /** Why it is off: `manual` (an update), `failing` (a delivery failed for the whole retry window); null while enabled. */
  disabled_reason!: string | null;
  description!: string | null;
  created_at!: string;
  updated_at!: string;
}

/** The answer to a create or a secret rotation: the only time the signing secret is shown. */
export class WebhookSubscriptionWithSecretView extends WebhookSubscriptionView {
  /** `whsec_` and the base64 of the HMAC key, as Standard Webhooks libraries take it. Shown once. */
  secret!: string;
}

export class WebhookSubscriptionsPage {
  results!: WebhookSubscriptionView[];
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export class WebhookDeliveryView {
  /** The `webhook-id` header: the same for every attempt and every redelivery of this message. */
  id!: string;
  subscription_id!: string;
  event_id!: string;
  event_type!: WebhookEventType;
  status!: WebhookDeliveryStatus;
  attempts!: number;
  /** The HTTP status of the last attempt; null before one, or when it got no answer. */
  response_code!: number | null;
  /** Milliseconds the last attempt took. */
  latency_ms!: number | null;
  /** What went wrong with the last attempt when it got no HTTP answer (refused target, timeout, connection). */
  last_error!: string | null;
  /** When a pending delivery is next attempted. */
  next_attempt_at!: string | null;
  created_at!: string;
  updated_at!: string;
}

export class WebhookDeliveriesPage {
  results!: WebhookDeliveryView[];
  /** Pass as `cursor` for the next (older) page; null on the last. */
  next_cursor!: string | null;
}

const MAX_EVENT_TYPES = 50;

/** POST /webhooks. Shapes only; the webhooks service checks the values (URL, its target, event types). */
export class CreateWebhookSubscriptionBody {
  /** Where deliveries are POSTed: an http(s) URL whose host resolves to public addresses. */
  @IsDefined() @IsString() @MaxLength(2048) url!: string;
  /** Webhook event types to send, e.g. `token.revoked`. */
  @IsDefined() @IsArray() @ArrayMaxSize(MAX_EVENT_TYPES) @IsString({ each: true }) event_types!: string[];
  /** Default true. */
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @MaxLength(200) description?: string | null;
}

/** PATCH /webhooks/:id: what is given changes. Enabling a subscription disabled for failing clears the reason. */
export class UpdateWebhookSubscriptionBody {
  @IsOptional() @IsString() @MaxLength(2048) url?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_EVENT_TYPES) @IsString({ each: true }) event_types?: string[];
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @MaxLength(200) description?: string | null;
}

export class ListWebhookDeliveriesQuery {
  /** Default 50. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(40) cursor?: string;
  @IsOptional() @IsIn(WEBHOOK_DELIVERY_STATUSES) status?: WebhookDeliveryStatus;
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
