import { CommonErrorCode, WardenError, WebhookDisabledReason, WebhookEventType, WebhooksErrorCode, isWebhookEventType } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';

export const webhookSubscriptionStreamId = (subscriptionId: string) => `webhook-subscription-${subscriptionId}`;

export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 200;

export interface SubscriptionFields {
  url?: string;
  eventTypes?: string[];
  enabled?: boolean;
  description?: string | null;
}

// The organization comes with every command: a subscription of another organization is not found.
export type WebhookSubscriptionCommand =
  | {
      type: 'CreateWebhookSubscription';
      subscriptionId: string;
      organizationId: string;
      url: string;
      eventTypes: string[];
      enabled: boolean;
      description: string | null;
      /** The signing secret, sealed (see secret-box.ts): the store never holds it in clear. */
      sealedSecret: string;
      at: string;
    }
  | { type: 'UpdateWebhookSubscription'; organizationId: string; changes: SubscriptionFields; at: string }
  | { type: 'RotateWebhookSecret'; organizationId: string; sealedSecret: string; at: string }
  | { type: 'DeleteWebhookSubscription'; organizationId: string; at: string }
  /** The delivering service's, when a delivery kept failing for the whole retry window. */
  | { type: 'DisableFailingWebhookSubscription'; organizationId: string; deliveryId: string; at: string };

export type WebhookSubscriptionEvent =
  | {
      type: 'WebhookSubscriptionCreated';
      data: {
        subscriptionId: string;
        organizationId: string;
        url: string;
        eventTypes: WebhookEventType[];
        enabled: boolean;
        description: string | null;
        sealedSecret: string;
        createdAt: string;
      };
    }
  | {
      type: 'WebhookSubscriptionUpdated';
      data: {
        subscriptionId: string;
        organizationId: string;
        changes: { url?: string; eventTypes?: WebhookEventType[]; enabled?: boolean; description?: string | null };
        updatedAt: string;
      };
    }
  | { type: 'WebhookSecretRotated'; data: { subscriptionId: string; organizationId: string; sealedSecret: string; rotatedAt: string } }
  | {
      type: 'WebhookSubscriptionDisabled';
      data: { subscriptionId: string; organizationId: string; reason: WebhookDisabledReason; deliveryId: string; disabledAt: string };
    }
  | { type: 'WebhookSubscriptionDeleted'; data: { subscriptionId: string; organizationId: string; deletedAt: string } };

export const webhookSubscriptionEventUpcasters: EventUpcasters<WebhookSubscriptionEvent> = {
  WebhookSubscriptionCreated: [],
  WebhookSubscriptionUpdated: [],
  WebhookSecretRotated: [],
  WebhookSubscriptionDisabled: [],
  WebhookSubscriptionDeleted: [],
};

export interface WebhookSubscription {
  status: 'active' | 'deleted';
  subscriptionId: string;
  organizationId: string;
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
  description: string | null;
  sealedSecret: string;
  createdAt: string;
  updatedAt: string;
}

export type WebhookSubscriptionState = { status: 'absent' } | WebhookSubscription;

function invalid(code: WebhooksErrorCode | CommonErrorCode, field: string, message: string): WardenError {
  return new WardenError(code, `${field} ${message}`, [{ field, message }]);
}

/** An absolute http(s) URL without userinfo or fragment: whether its host may be called is decided elsewhere (it needs DNS). */
export function checkWebhookUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > WEBHOOK_URL_MAX_LENGTH) {
    throw invalid(WebhooksErrorCode.InvalidWebhookUrl, 'url', `must be an http or https URL of at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(WebhooksErrorCode.InvalidWebhookUrl, 'url', 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(WebhooksErrorCode.InvalidWebhookUrl, 'url', 'must use http or https');
  if (url.username !== '' || url.password !== '') throw invalid(WebhooksErrorCode.InvalidWebhookUrl, 'url', 'must not carry a user name or password');
  if (url.hash !== '') throw invalid(WebhooksErrorCode.InvalidWebhookUrl, 'url', 'must not carry a fragment');
  return url.toString();
}

export function checkWebhookEventTypes(value: unknown): WebhookEventType[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(WebhooksErrorCode.InvalidWebhookEventTypes, 'event_types', 'must name at least one webhook event type');
  }
  const unknown = value.filter((type) => !isWebhookEventType(type));
  if (unknown.length > 0) {
    throw invalid(WebhooksErrorCode.InvalidWebhookEventTypes, 'event_types', `are not webhook event types: ${unknown.map(String).join(', ')}`);
  }
  return [...new Set(value as WebhookEventType[])].sort();
}

function checkDescription(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > WEBHOOK_DESCRIPTION_MAX_LENGTH) {
    throw invalid(CommonErrorCode.ValidationFailed, 'description', `must be a string of at most ${WEBHOOK_DESCRIPTION_MAX_LENGTH} characters, or null`);
  }
  return value.trim() === '' ? null : value;
}

function checkEnabled(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(CommonErrorCode.ValidationFailed, 'enabled', 'must be true or false');
  return value;
}

function existing(state: WebhookSubscriptionState, organizationId: string): WebhookSubscription {
  // Another organization's subscription is answered as one that does not exist.
  if (state.status !== 'active' || state.organizationId !== organizationId) {
    throw new WardenError(WebhooksErrorCode.WebhookSubscriptionNotFound, 'webhook subscription not found');
  }
  return state;
}

export const webhookSubscriptionDecider: Decider<WebhookSubscriptionCommand, WebhookSubscriptionEvent, WebhookSubscriptionState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: webhookSubscriptionEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'CreateWebhookSubscription': {
        if (state.status !== 'absent') {
          // A retried create (same derived id) finds what the first one made.
          if (state.organizationId === command.organizationId) return [];
          throw new WardenError(WebhooksErrorCode.WebhookSubscriptionNotFound, 'webhook subscription not found');
        }
        return [
          {
            type: 'WebhookSubscriptionCreated',
            data: {
              subscriptionId: command.subscriptionId,
              organizationId: command.organizationId,
              url: checkWebhookUrl(command.url),
              eventTypes: checkWebhookEventTypes(command.eventTypes),
              enabled: checkEnabled(command.enabled),
              description: checkDescription(command.description),
              sealedSecret: command.sealedSecret,
              createdAt: command.at,
            },
          },
        ];
      }
      case 'UpdateWebhookSubscription': {
        const subscription = existing(state, command.organizationId);
        const changes: Extract<WebhookSubscriptionEvent, { type: 'WebhookSubscriptionUpdated' }>['data']['changes'] = {};
        const { url, eventTypes, enabled, description } = command.changes;
        if (url !== undefined) {
          const checked = checkWebhookUrl(url);
          if (checked !== subscription.url) changes.url = checked;
        }
        if (eventTypes !== undefined) {
          const checked = checkWebhookEventTypes(eventTypes);
          if (checked.join() !== subscription.eventTypes.join()) changes.eventTypes = checked;
        }
        if (enabled !== undefined) {
          const checked = checkEnabled(enabled);
          // Enabling a subscription that was switched off for failing clears the reason too.
          if (checked !== subscription.enabled || (checked && subscription.disabledReason !== null)) changes.enabled = checked;
        }
        if (description !== undefined) {
          const checked = checkDescription(description);
          if (checked !== subscription.description) changes.description = checked;
        }
        if (Object.keys(changes).length === 0) return [];
        return [
          {
            type: 'WebhookSubscriptionUpdated',
            data: { subscriptionId: subscription.subscriptionId, organizationId: subscription.organizationId, changes, updatedAt: command.at },
          },
        ];
      }
      case 'RotateWebhookSecret': {
        const subscription = existing(state, command.organizationId);
        return [
          {
            type: 'WebhookSecretRotated',
            data: {
              subscriptionId: subscription.subscriptionId,
              organizationId: subscription.organizationId,
              sealedSecret: command.sealedSecret,
              rotatedAt: command.at,
            },
          },
        ];
      }
      case 'DisableFailingWebhookSubscription': {
        const subscription = existing(state, command.organizationId);
        if (!subscription.enabled) return [];
        return [
          {
            type: 'WebhookSubscriptionDisabled',
            data: {
              subscriptionId: subscription.subscriptionId,
              organizationId: subscription.organizationId,
              reason: 'failing',
              deliveryId: command.deliveryId,
              disabledAt: command.at,
            },
          },
        ];
      }
      case 'DeleteWebhookSubscription': {
        const subscription = existing(state, command.organizationId);
        return [
          {
            type: 'WebhookSubscriptionDeleted',
            data: { subscriptionId: subscription.subscriptionId, organizationId: subscription.organizationId, deletedAt: command.at },
          },
        ];
      }
    }
  },

  evolve(state, event) {
    if (event.type === 'WebhookSubscriptionCreated') {
      const { createdAt, ...fields } = event.data;
      return { status: 'active', ...fields, disabledReason: null, createdAt, updatedAt: createdAt };
    }
    if (state.status === 'absent') return state;
    switch (event.type) {
      case 'WebhookSubscriptionUpdated': {
        const { enabled, ...rest } = event.data.changes;
        const next: WebhookSubscription = { ...state, ...rest, updatedAt: event.data.updatedAt };
        if (enabled !== undefined) {
          next.enabled = enabled;
          next.disabledReason = enabled ? null : 'manual';
        }
        return next;
      }
      case 'WebhookSecretRotated':
        return { ...state, sealedSecret: event.data.sealedSecret, updatedAt: event.data.rotatedAt };
      case 'WebhookSubscriptionDisabled':
        return { ...state, enabled: false, disabledReason: event.data.reason, updatedAt: event.data.disabledAt };
      case 'WebhookSubscriptionDeleted':
        return { ...state, status: 'deleted', enabled: false, updatedAt: event.data.deletedAt };
    }
  },
};
