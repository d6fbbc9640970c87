import { IssuedTokenView, OrganizationPolicyRecord, PrincipalRecord, TokenSecretView, TokenStatus, TokenView } from '@warden/contracts';
import { decideTokenStatus } from '@warden/token-verifier';
import { API_TOKEN_PREFIX } from '@warden/tokens-domain';
import { DecidedTokenStream } from '../credentials/credential-read-model';
import { TokenRecord, tokenRecordIn, tokenStreamOps } from '../credentials/credential-read-model.projection';

/** What a token's status is decided on beside its record: its owner's principal record and its organization's token policy. */
export interface TokenStatusContext {
  owner: PrincipalRecord | null;
  policy: OrganizationPolicyRecord | null;
}

/**
 * The token's record as a command left it, from the stream it decided on and what it
 * appended (what `applyDecided` gives the read model), so that its answer needs no read
 * back. Null for a stream that holds no token.
 */
export function decidedTokenRecord(decided: Pick<DecidedTokenStream, 'history' | 'events'>, tokenId: string): TokenRecord | null {
  return tokenRecordIn(tokenStreamOps(decided.history, decided.events), tokenId);
}

/** What verification of the token's current secret would decide at `now` (the verifier's own decision). */
export function tokenStatus(record: TokenRecord, { owner, policy }: TokenStatusContext, now: Date): TokenStatus {
  const current = record.secrets?.[record.secrets.length - 1];
  return decideTokenStatus(
    {
      status: record.status,
      disabledAt: record.disabledAt,
      expiresAt: record.expiresAt,
      issuedAt: current?.issuedAt ?? record.createdAt,
      userId: record.ownerId,
      organizationId: record.organizationId,
    },
    owner,
    policy,
    now,
  ).status;
}

export function toTokenView(record: TokenRecord, context: TokenStatusContext, now: Date): TokenView {
  const status = tokenStatus(record, context, now);
  return {
    id: record.tokenId,
    user_id: record.ownerId,
    organization_id: record.organizationId,
    name: record.name,
    visibility: record.visibility,
    allowed_origins: record.allowedOrigins,
    permissions: record.permissions,
    prefix: API_TOKEN_PREFIX,
    last_four: record.lastFour,
    secrets: liveSecrets(record, status, now),
    status,
    enabled: status === 'active',
    created_at: record.createdAt,
    disabled_at: record.disabledAt ?? null,
    expires_at: record.expiresAt,
    last_used_at: record.lastUsedAt,
    revoked_at: record.revokedAt,
    rotated_at: record.rotatedAt,
    description: record.description ?? null,
    metadata: record.metadata ?? {},
    allowed_ips: record.allowedIps ?? [],
    rate_limit: record.rateLimit ? { limit: record.rateLimit.limit, window_seconds: record.rateLimit.windowSeconds } : null,
    credits: record.credits
      ? {
          granted: record.credits.amount,
          granted_at: record.credits.grantedAt,
          refill: record.credits.refill && { amount: record.credits.refill.amount, interval_seconds: record.credits.refill.intervalSeconds },
        }
      : null,
  };
}

/** The view with the secret: answered once, by the command that minted it. */
export function withSecret(view: TokenView, token: string): IssuedTokenView {
  const { id, user_id, name, enabled, ...rest } = view;
  // The fields of a created service user's api_token first, in that answer's order.
  return { id, user_id, name, token, enabled, ...rest };
}

/** The secrets that work at `now`: none of a token that does not (their ends are also capped by the token's). */
function liveSecrets(record: TokenRecord, status: TokenStatus, now: Date): TokenSecretView[] {
  if (status !== 'active') return [];
  return (record.secrets ?? [])
    .filter((secret) => secret.validUntil === null || Date.parse(secret.validUntil) > now.getTime())
    .map((secret) => ({ last_four: secret.lastFour, issued_at: secret.issuedAt, valid_until: secret.validUntil }));
}
