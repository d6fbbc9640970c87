import { TokenAsOfRefusal, TokenAsOfRequest, TokenAsOfStatus, TokenAsOfView, TokenSecretAsOf, TokensErrorCode, WardenError } from '@warden/contracts';
import { loadState } from '@warden/kernel';
import { Token, TokenState, isExpired, tokenDecider, tokenStreamId } from '@warden/tokens-domain';
import { OrganizationState, UserState, organizationDecider, organizationStreamId, userDecider, userStreamId } from '@warden/users-domain';
import { SourceEventStores } from '../backfill/source-event-stores';
import { parseMoment } from './moment';

/** What decided a token's validity at a moment: the token, its owner and its organization, each as they were then. */
export interface TokenAtMoment {
  token: Token;
  version: number;
  owner: UserState;
  organization: OrganizationState;
}

// A secret lives until the first of: its own end (a rotated-out one's grace period), the
// token's expiry, and the organization's max token lifetime counted from its issue; the
// same rules the verifier applies to the credential read model.
function secretValidAt(secret: Token['secrets'][number], cap: number | null, at: number): boolean {
  if (Date.parse(secret.issuedAt) > at) return false;
  if (secret.validUntil !== null && !(Date.parse(secret.validUntil) > at)) return false;
  return cap === null || Date.parse(secret.issuedAt) + cap * 1000 > at;
}

/** The answer for a token that existed at `at`; pure, so every rule is testable without a store. */
export function tokenAsOfView({ token, version, owner, organization }: TokenAtMoment, at: Date): TokenAsOfView {
  const moment = at.getTime();
  const cap = organization.status === 'active' ? organization.maxTokenLifetimeSeconds : null;
  const secrets: TokenSecretAsOf[] = token.secrets.map((secret) => ({
    last_four: secret.lastFour,
    issued_at: secret.issuedAt,
    valid_until: secret.validUntil,
    valid: token.status === 'active' && !isExpired(token, at.toISOString()) && secretValidAt(secret, cap, moment),
  }));
  const validSecrets = secrets.filter((secret) => secret.valid).length;

  let status: TokenAsOfStatus;
  if (token.status === 'revoked') status = 'revoked';
  else if (validSecrets === 0) status = 'expired';
  else status = validSecrets > 1 ? 'rotated_in_grace' : 'active';

  // Tokens belong only to service accounts: only an active service account's tokens are accepted.
  const ownerActive = owner.status === 'active' && owner.accountType !== 'user';
  let refusal: TokenAsOfRefusal | undefined;
  if (status === 'revoked' || status === 'expired') refusal = status;
  else if (token.disabledAt !== null) refusal = 'disabled';
  else if (!ownerActive) refusal = 'owner_inactive';

  return {
    token_id: token.tokenId,
    at: at.toISOString(),
    status,
    valid: refusal === undefined,
    ...(refusal !== undefined && { refusal }),
    organization_id: token.organizationId,
    owner_id: token.ownerId,
    owner_status: owner.status,
    name: token.name,
    visibility: token.visibility,
    allowed_origins: [...token.allowedOrigins],
    permissions: token.permissions === null ? null : [...token.permissions],
    expires_at: token.expiresAt,
    max_token_lifetime_seconds: cap,
    created_at: token.createdAt,
    revoked_at: token.revokedAt,
    rotated_at: token.rotatedAt,
    last_used_at: token.lastUsedAt,
    secrets,
    version,
  };
}

/**
 * A token as it was at a moment: the tokens service's stream up to that moment, folded
 * with the same `tokenDecider.evolve` the tokens service decides with, and its owner and
 * organization folded from the users service's store up to the same moment.
 */
export class TokenAsOf {
  constructor(
    private readonly sources: SourceEventStores,
    private readonly services: { tokens: string; users: string },
  ) {}

  async at(request: TokenAsOfRequest): Promise<TokenAsOfView> {
    const moment = parseMoment(request.at);
    const store = await this.sources.open(this.services.tokens);
    const notFound = () => new WardenError(TokensErrorCode.TokenNotFound, `token ${request.token_id} does not exist`);
    if (!store) throw notFound();
    const streamId = tokenStreamId(request.token_id);
    // The organization never changes; it decides who may ask, whatever the moment asked about.
    const now = await loadState(store, tokenDecider, streamId);
    if (now.state.status === 'absent') throw notFound();
    if (request.organization_id !== undefined && now.state.organizationId !== request.organization_id) throw notFound();

    const then = await loadState(store, tokenDecider, streamId, { recordedUntil: moment });
    const token: TokenState = then.state;
    if (token.status === 'absent') {
      return { token_id: request.token_id, at: moment.toISOString(), status: 'absent', valid: false, refusal: 'not_issued', organization_id: now.state.organizationId, version: 0 };
    }
    const users = await this.sources.open(this.services.users);
    const absent = { state: { status: 'absent' as const } };
    const [owner, organization] = users
      ? await Promise.all([
          loadState(users, userDecider, userStreamId(token.ownerId), { recordedUntil: moment }),
          loadState(users, organizationDecider, organizationStreamId(token.organizationId), { recordedUntil: moment }),
        ])
      : [absent, absent];
    return tokenAsOfView({ token, version: then.version, owner: owner.state, organization: organization.state }, moment);
  }
}
