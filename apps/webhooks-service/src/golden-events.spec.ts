import path from 'node:path';
import { Shapes, describeGoldenEvents, optional } from '@warden/testing';
import { WebhookSubscriptionEvent, webhookSubscriptionDecider, webhookSubscriptionEventUpcasters } from './domain/webhook-subscription.decider';

// Today's shape of every event the webhooks service stores (see the tokens context's spec).
const ID = '01a23b46-b9e5-701a-80d7-77159d24ac06';
const AT = '2026-01-01T00:00:00.000Z';
const SEALED = 'v1.iv.data.tag';
const shapes: Shapes<WebhookSubscriptionEvent> = {
  WebhookSubscriptionCreated: {
    subscriptionId: ID,
    organizationId: ID,
    url: 'https://hooks.example.com/warden',
    eventTypes: ['token.issued'],
    enabled: true,
    description: 'Billing',
    sealedSecret: SEALED,
    createdAt: AT,
  },
  WebhookSubscriptionUpdated: {
    subscriptionId: ID,
    organizationId: ID,
    changes: { url: optional('https://hooks.example.com/v2'), eventTypes: optional(['token.revoked']), enabled: optional(false), description: optional('Billing v2') },
    updatedAt: AT,
  },
  WebhookSecretRotated: { subscriptionId: ID, organizationId: ID, sealedSecret: SEALED, rotatedAt: AT },
  WebhookSubscriptionDisabled: { subscriptionId: ID, organizationId: ID, reason: 'failing', deliveryId: 'msg_x', disabledAt: AT },
  WebhookSubscriptionDeleted: { subscriptionId: ID, organizationId: ID, deletedAt: AT },
};

describeGoldenEvents('webhooks', {
  directory: path.join(__dirname, '../golden-events'),
  upcasters: webhookSubscriptionEventUpcasters,
  shapes,
  deciders: [{ decider: webhookSubscriptionDecider, creation: 'WebhookSubscriptionCreated' }],
});
