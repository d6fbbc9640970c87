import { principalOf, viewOfPrincipal } from '@warden/access';
import { AccessTokenClaims, OAuthClientRecord, PrincipalRecord, PrincipalView, accessTokenSignedWith, oauthClientKey, readAccessToken } from '@warden/contracts';
import { accessTokenKeyringOf } from './access-token-keys';
import { CredentialReadModelUnavailableError, VerificationFailure, VerificationResult, VerifyCredentialOptions, parseJson, readVerificationRecordsAt } from './verify-credential';

/**
 * An OAuth access token: its MAC under the key it names (no lookup for a forged or
 * malformed one), then the one round trip of every verification, on the account's OAuth
 * client record instead of a secret's: the client credential it was granted through must
 * still work, the grant must not be revoked, the account must be an active service
 * account, and what the token may do is its scope intersected with the account's
 * permissions now.
 */
export async function verifyAccessToken(presented: string, options: VerifyCredentialOptions): Promise<VerificationResult> {
  const token = readAccessToken(presented);
  if (!token) return { ok: false, reason: 'malformed' };
  const secret = await accessTokenKeyringOf(options.redis, options.keyPrefix).secretOf(token.keyId);
  if (!secret || !accessTokenSignedWith(token, secret)) return { ok: false, reason: 'unknown' };
  const records = await readVerificationRecordsAt(options.redis, options.keyPrefix, oauthClientKey(token.claims.accountId));
  if (records === null) {
    if (!options.fallback) throw new CredentialReadModelUnavailableError();
    return options.fallback(presented, options.origin ?? null, options.clientAddress ?? null);
  }
  return decideAccessToken(token.claims, records.credential, records.principal, options.now);
}

/** The decision on an access token whose MAC held, from what Redis returned; pure. */
export function decideAccessToken(claims: AccessTokenClaims, recordJson: string | null, principalJson: string | null, now: Date): VerificationResult {
  const record = parseJson<OAuthClientRecord>(recordJson);
  if (!record || record.kind !== 'oauth_client' || record.userId !== claims.accountId) return { ok: false, reason: 'unknown' };
  const refused = (reason: Exclude<VerificationFailure, 'malformed' | 'unknown'>): VerificationResult => ({ ok: false, reason, organizationId: record.organizationId });
  const at = now.getTime();
  if (!(claims.expiresAt * 1000 > at)) return refused('expired');
  if (Object.hasOwn(record.revokedGrants ?? {}, claims.grantId)) return refused('revoked');
  if (!credentialWorks(record, claims.credentialId, at)) return refused('revoked');
  const owner = parseJson<PrincipalRecord>(principalJson);
  if (!owner || owner.status !== 'active' || owner.userId !== record.userId || owner.organizationId !== record.organizationId || owner.accountType === 'user') {
    return refused('owner_inactive');
  }
  const effective = principalOf(owner, claims.scope);
  const credential: PrincipalView['credential'] = { kind: 'access_token', id: claims.grantId, expiresAt: new Date(claims.expiresAt * 1000).toISOString() };
  if (claims.scope !== null) credential.permissions = [...claims.scope];
  return { ok: true, principal: viewOfPrincipal(effective, credential) };
}

/** Whether the client secret, key or federation rule a grant was made through still works. */
function credentialWorks(record: OAuthClientRecord, credentialId: string, at: number): boolean {
  if (record.rules?.some((rule) => rule.id === credentialId)) return true;
  const live = (until: string | null) => until === null || Date.parse(until) > at;
  const secret = record.secrets?.find((candidate) => candidate.id === credentialId);
  if (secret) return live(secret.validUntil);
  const key = record.keys?.find((candidate) => candidate.id === credentialId);
  return key !== undefined && live(key.expiresAt);
}
