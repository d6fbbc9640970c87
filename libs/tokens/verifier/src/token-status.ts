import { OrganizationPolicyRecord, PrincipalRecord, TokenStatus } from '@warden/contracts';

// One decision of what an API token is now, made by the verifier for each secret presented
// and by the token routes for each token they show: so `GET /tokens` never says `active`
// of a token that verification refuses, nor the other way round.

/** What the status of an API token (or one of its secrets) is decided on. */
export interface TokenStatusFacts {
  status: 'active' | 'revoked';
  /** Switched off without being revoked. */
  disabledAt?: string | null;
  /** The token's own expiry (for one secret: capped by a rotation's grace end); null: none. */
  expiresAt: string | null;
  /** When the secret was issued (the current one, for a token as listed): the organization's lifetime cap counts from it. */
  issuedAt?: string;
  /** When a rotated-out secret's grace period ends (absent for the current secret). */
  rotatedOutAt?: string;
  /** The owner and organization the token belongs to, which its owner's record must match. */
  userId: string;
  organizationId: string;
}

export interface TokenStatusDecision {
  status: TokenStatus;
  /** When the token (secret) stops working: its own expiry or the organization's cap, whichever comes first. */
  expiresAt: string | null;
  /** `expired` only: the secret ended with its rotation's grace period, not with the token. */
  rotatedOut: boolean;
}

/**
 * The status verification would decide at `now`, first cause first: revoked, then expired
 * (by its own expiry, the organization's `maxTokenLifetimeSeconds` counted from the secret's
 * issue, or the end of a rotation's grace), then disabled, then an owner that is no longer an
 * active service account of the token's organization (absent counts as inactive).
 */
export function decideTokenStatus(
  facts: TokenStatusFacts,
  owner: PrincipalRecord | null,
  policy: OrganizationPolicyRecord | null,
  now: Date,
): TokenStatusDecision {
  const expiresAt = effectiveExpiry(facts, policy);
  const decided = (status: TokenStatus, rotatedOut = false): TokenStatusDecision => ({ status, expiresAt, rotatedOut });
  if (facts.status !== 'active') return decided('revoked');
  if (expiresAt !== null && !(Date.parse(expiresAt) > now.getTime())) {
    // Ended by the rotation when its grace end is the first end (the record's expiry is never later than it).
    return decided('expired', facts.rotatedOutAt !== undefined && !(Date.parse(facts.rotatedOutAt) > Date.parse(expiresAt)));
  }
  if (facts.disabledAt !== undefined && facts.disabledAt !== null) return decided('disabled');
  if (!ownerMayUseTokens(owner, facts)) return decided('owner_inactive');
  return decided('active');
}

/** Tokens work for an active service account of their own organization only (one made a human account stops them). */
export function ownerMayUseTokens(owner: PrincipalRecord | null, token: Pick<TokenStatusFacts, 'userId' | 'organizationId'>): owner is PrincipalRecord {
  return (
    owner !== null &&
    owner.status === 'active' &&
    owner.userId === token.userId &&
    owner.organizationId === token.organizationId &&
    owner.accountType !== 'user'
  );
}

/**
 * When the secret stops working: its own expiry, and the organization's maximum lifetime
 * counted from the secret's issue (enforced at use, so lowering the setting shortens the
 * tokens already out).
 */
export function effectiveExpiry(facts: Pick<TokenStatusFacts, 'expiresAt' | 'issuedAt'>, policy: OrganizationPolicyRecord | null): string | null {
  const cap = policy?.maxTokenLifetimeSeconds;
  if (typeof cap !== 'number' || typeof facts.issuedAt !== 'string') return facts.expiresAt;
  const capped = Date.parse(facts.issuedAt) + cap * 1000;
  if (facts.expiresAt !== null && Date.parse(facts.expiresAt) <= capped) return facts.expiresAt;
  return new Date(capped).toISOString();
}
