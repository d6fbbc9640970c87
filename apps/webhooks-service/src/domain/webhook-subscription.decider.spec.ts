import { CommonErrorCode, WardenError, WebhooksErrorCode } from '@warden/contracts';
import { deciderSpec } from '@warden/testing';
import { WebhookSubscriptionEvent, webhookSubscriptionDecider } from './webhook-subscription.decider';

const spec = deciderSpec(webhookSubscriptionDecider);
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const ORG = 'org-a';
const codeIs = (code: string, field?: string) => (error: WardenError) => {
  expect(error.code).toBe(code);
  if (field) expect(error.errors?.map((e) => e.field)).toEqual([field]);
};

const create = {
  type: 'CreateWebhookSubscription' as const,
  subscriptionId: 'sub-1',
  organizationId: ORG,
  url: 'https://hooks.example.com/warden',
  eventTypes: ['token.revoked', 'token.issued', 'token.issued'],
  enabled: true,
  description: 'Billing',
  sealedSecret: 'v1.sealed',
  at,
};
const created: WebhookSubscriptionEvent = {
  type: 'WebhookSubscriptionCreated',
  data: {
    subscriptionId: 'sub-1',
    organizationId: ORG,
    url: 'https://hooks.example.com/warden',
    eventTypes: ['token.issued', 'token.revoked'],
    enabled: true,
    description: 'Billing',
    sealedSecret: 'v1.sealed',
    createdAt: at,
  },
};
const disabled: WebhookSubscriptionEvent = {
  type: 'WebhookSubscriptionDisabled',
  data: { subscriptionId: 'sub-1', organizationId: ORG, reason: 'failing', deliveryId: 'msg_1', disabledAt: later },
};

describe('webhook subscription decider', () => {
  it('creates a subscription with its event types deduplicated and sorted', () => {
    spec.given([]).when(create).then([created]);
  });

  it('finds what a retried create made, and appends nothing', () => {
    spec.given([created]).when(create).then([]);
  });

  it.each([
    ['not a URL', 'hooks'],
    ['another scheme', 'ftp://hooks.example.com/'],
    ['userinfo', 'https://user:pw@hooks.example.com/'],
    ['a fragment', 'https://hooks.example.com/#x'],
  ])('refuses a URL with %s, naming the field', (_, url) => {
    spec.given([]).when({ ...create, url }).thenThrows(WardenError, codeIs(WebhooksErrorCode.InvalidWebhookUrl, 'url'));
  });

  it.each([[[]], [['token.issued', 'token.stolen']]])('refuses event types %j', (eventTypes) => {
    spec.given([]).when({ ...create, eventTypes }).thenThrows(WardenError, codeIs(WebhooksErrorCode.InvalidWebhookEventTypes, 'event_types'));
  });

  it('refuses a description too long', () => {
    spec.given([]).when({ ...create, description: 'x'.repeat(201) }).thenThrows(WardenError, codeIs(CommonErrorCode.ValidationFailed, 'description'));
  });

  it('answers another organization as if the subscription did not exist', () => {
    for (const command of [
      { type: 'UpdateWebhookSubscription' as const, organizationId: 'org-b', changes: { enabled: false }, at: later },
      { type: 'RotateWebhookSecret' as const, organizationId: 'org-b', sealedSecret: 'v1.other', at: later },
      { type: 'DeleteWebhookSubscription' as const, organizationId: 'org-b', at: later },
    ]) {
      spec.given([created]).when(command).thenThrows(WardenError, codeIs(WebhooksErrorCode.WebhookSubscriptionNotFound));
    }
    spec.given([created]).when({ ...create, organizationId: 'org-b' }).thenThrows(WardenError, codeIs(WebhooksErrorCode.WebhookSubscriptionNotFound));
  });

  it('records only what an update changes', () => {
    spec.given([created]).when({ type: 'UpdateWebhookSubscription', organizationId: ORG, changes: { enabled: true, eventTypes: ['token.revoked', 'token.issued'] }, at: later }).then([]);
    spec
      .given([created])
      .when({ type: 'UpdateWebhookSubscription', organizationId: ORG, changes: { enabled: false, url: 'https://other.example.com/' }, at: later })
      .then([
        {
          type: 'WebhookSubscriptionUpdated',
          data: { subscriptionId: 'sub-1', organizationId: ORG, changes: { url: 'https://other.example.com/', enabled: false }, updatedAt: later },
        },
      ]);
  });

  it('disables a failing subscription once, and enabling it again clears the reason', () => {
    const command = { type: 'DisableFailingWebhookSubscription' as const, organizationId: ORG, deliveryId: 'msg_1', at: later };
    spec.given([created]).when(command).then([disabled]);
    spec.given([created, disabled]).when(command).then([]);
    const state = [created, disabled].reduce(webhookSubscriptionDecider.evolve, webhookSubscriptionDecider.initialState());
    expect(state).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const [enabled] = webhookSubscriptionDecider.decide({ type: 'UpdateWebhookSubscription', organizationId: ORG, changes: { enabled: true }, at: later }, state);
    expect(webhookSubscriptionDecider.evolve(state, enabled!)).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('rotates the secret and deletes; a deleted subscription is not found', () => {
    spec
      .given([created])
      .when({ type: 'RotateWebhookSecret', organizationId: ORG, sealedSecret: 'v1.new', at: later })
      .then([{ type: 'WebhookSecretRotated', data: { subscriptionId: 'sub-1', organizationId: ORG, sealedSecret: 'v1.new', rotatedAt: later } }]);
    const deleted: WebhookSubscriptionEvent = { type: 'WebhookSubscriptionDeleted', data: { subscriptionId: 'sub-1', organizationId: ORG, deletedAt: later } };
    spec.given([created]).when({ type: 'DeleteWebhookSubscription', organizationId: ORG, at: later }).then([deleted]);
    spec.given([created, deleted]).when({ type: 'DeleteWebhookSubscription', organizationId: ORG, at: later }).thenThrows(WardenError, codeIs(WebhooksErrorCode.WebhookSubscriptionNotFound));
  });
});
