// Which stored events become which webhook event types, and what a receiver is told of
// them. Each payload is built field by field from the event: never a secret, a hash of one,
// or anything a later field added to an event would leak without a decision here.
import { WebhookEventType } from '@warden/contracts';
import { PublishedEvent } from '@warden/messaging';

export interface WebhookMessage {
  type: WebhookEventType;
  organizationId: string;
  /** The body's `data`. */
  data: Record<string, unknown>;
}

type Data = Record<string, unknown>;

const pick = (data: Data, fields: Record<string, string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(fields)) if (data[from] !== undefined) out[to] = data[from];
  return out;
};

interface Mapping {
  type: WebhookEventType;
  fields: Record<string, string>;
}

// Domain event type → webhook event type and the fields it carries (stored name → payload name).
const MAPPINGS: Record<string, Mapping> = {
  TokenIssued: {
    type: 'token.issued',
    fields: { tokenId: 'token_id', ownerId: 'owner_id', name: 'name', expiresAt: 'expires_at', permissions: 'permissions', issuedAt: 'issued_at' },
  },
  TokenRotated: { type: 'token.rotated', fields: { tokenId: 'token_id', previousValidUntil: 'previous_valid_until', rotatedAt: 'rotated_at' } },
  TokenRevoked: { type: 'token.revoked', fields: { tokenId: 'token_id', ownerId: 'owner_id', revokedAt: 'revoked_at' } },
  TokenExpiring: {
    type: 'token.expiring',
    fields: { tokenId: 'token_id', ownerId: 'owner_id', secretId: 'secret_id', expiresAt: 'expires_at', leadSeconds: 'lead_seconds' },
  },
  TokenExpired: { type: 'token.expired', fields: { tokenId: 'token_id', ownerId: 'owner_id', expiredAt: 'expired_at' } },
  TokenLeaked: {
    type: 'token.leaked',
    fields: { tokenId: 'token_id', ownerId: 'owner_id', url: 'url', source: 'source', reportedBy: 'reported_by', action: 'action' },
  },
  TokenDisabled: { type: 'token.disabled', fields: { tokenId: 'token_id', ownerId: 'owner_id', reason: 'reason', disabledAt: 'disabled_at' } },
  TokenEnabled: { type: 'token.enabled', fields: { tokenId: 'token_id', ownerId: 'owner_id', enabledAt: 'enabled_at' } },
  UserCreated: {
    type: 'account.created',
    fields: { userId: 'account_id', accountType: 'account_type', username: 'username', createdAt: 'created_at' },
  },
  UserDeactivated: { type: 'account.deactivated', fields: { userId: 'account_id', deactivatedAt: 'deactivated_at' } },
  UserReactivated: { type: 'account.reactivated', fields: { userId: 'account_id', reactivatedAt: 'reactivated_at' } },
  UserDeleted: { type: 'account.deleted', fields: { userId: 'account_id', deletedAt: 'deleted_at' } },
  ServiceAccountLimitReached: {
    type: 'service_account.limit_reached',
    fields: { accountType: 'account_type', limit: 'limit', userId: 'account_id' },
  },
};

/** Domain event types that are sent as webhooks. */
export const MAPPED_EVENT_TYPES: readonly string[] = Object.keys(MAPPINGS);

/**
 * The webhook message an event becomes, or undefined when none does. The organization is
 * the event's own (`organizationId` in its data) or, for events that do not carry it, the
 * one of the request that made it.
 */
export function webhookMessageOf(event: PublishedEvent): WebhookMessage | undefined {
  const mapping = Object.hasOwn(MAPPINGS, event.type) ? MAPPINGS[event.type] : undefined;
  if (!mapping) return undefined;
  const data = event.data as Data;
  const organizationId = typeof data['organizationId'] === 'string' ? data['organizationId'] : event.metadata.organizationId;
  if (typeof organizationId !== 'string') return undefined;
  return { type: mapping.type, organizationId, data: { organization_id: organizationId, ...pick(data, mapping.fields) } };
}
