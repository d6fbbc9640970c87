// Standard Webhooks signing: a secret is `whsec_` and the base64 of a random key; a message's
// signature is `v1,` and the base64 HMAC-SHA256, under that key, of `<id>.<timestamp>.<body>`.
import { createHash, createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const KEY_BYTES = 32;

/** A new signing secret, as it is shown once to whoever made or rotated the subscription. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(KEY_BYTES).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook signing secret starts with whsec_');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** The `webhook-signature` header's value for one message. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-id` of one event sent to one subscription: derived from both, so the same
 * event for the same subscription is always the same message, however often it is produced
 * or attempted, and receivers drop duplicates by it.
 */
export function webhookMessageId(eventId: string, subscriptionId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}\n${subscriptionId}`).digest('base64url').slice(0, 27)}`;
}
