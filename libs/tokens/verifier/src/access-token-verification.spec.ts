import { AccessTokenClaims, OAuthClientRecord, PrincipalRecord } from '@warden/contracts';
import { decideAccessToken } from './access-token-verification';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const seconds = (iso: string) => Date.parse(iso) / 1000;
const claims: AccessTokenClaims = { grantId: 'g-1', accountId: 'svc-1', credentialId: 's-1', issuedAt: seconds('2029-12-31T23:55:00Z'), expiresAt: seconds('2030-01-01T00:10:00Z'), scope: ['records:write'] };
const record: OAuthClientRecord = {
  kind: 'oauth_client',
  userId: 'svc-1',
  organizationId: 'o-1',
  credentialId: 'svc-1',
  status: 'active',
  expiresAt: null,
  secrets: [{ id: 's-1', hash: 'a'.repeat(64), validUntil: null }],
  keys: [{ id: 'k-1', algorithm: 'ES256', jwk: {}, expiresAt: '2029-12-31T00:00:00Z' }],
  rules: [{ id: 'r-1', issuer: 'https://issuer.example.com', audiences: ['warden'], claims: { sub: 'billing' } }],
  revokedGrants: {},
};
const owner: PrincipalRecord = {
  userId: 'svc-1',
  organizationId: 'o-1',
  accountType: 'service_external',
  username: 'billing',
  roles: ['RECORDS'],
  teams: [],
  permissions: { 'records:write': 'organization', 'records:read': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
  status: 'active',
};
const decide = (over: Partial<AccessTokenClaims> = {}, recordOver: Partial<OAuthClientRecord> = {}, ownerOver: Partial<PrincipalRecord> = {}) =>
  decideAccessToken({ ...claims, ...over }, JSON.stringify({ ...record, ...recordOver }), JSON.stringify({ ...owner, ...ownerOver }), NOW);

describe('an access token', () => {
  it('holds its scope intersected with what the account holds now', () => {
    const result = decide();
    expect(result).toMatchObject({ ok: true, principal: { userId: 'svc-1', permissions: { 'records:write': 'organization' }, credential: { kind: 'access_token', id: 'g-1', permissions: ['records:write'] } } });
    expect(decide({}, {}, { permissions: { 'records:read': 'organization' } })).toMatchObject({ ok: true, principal: { permissions: {} } });
  });

  it('is refused once expired, revoked, its secret revoked, its key expired, its federation rule removed, or its account inactive', () => {
    expect(decide({ expiresAt: seconds('2029-12-31T23:59:59Z') })).toEqual({ ok: false, reason: 'expired', organizationId: 'o-1' });
    expect(decide({}, { revokedGrants: { 'g-1': '2030-01-01T00:10:00Z' } })).toMatchObject({ ok: false, reason: 'revoked' });
    expect(decide({}, { secrets: [] })).toMatchObject({ ok: false, reason: 'revoked' });
    expect(decide({}, { secrets: [{ id: 's-1', hash: 'a'.repeat(64), validUntil: '2029-12-31T23:59:00Z' }] })).toMatchObject({ ok: false, reason: 'revoked' });
    expect(decide({ credentialId: 'k-1' })).toMatchObject({ ok: false, reason: 'revoked' });
    expect(decide({ credentialId: 'r-1' })).toMatchObject({ ok: true });
    expect(decide({ credentialId: 'r-1' }, { rules: [] })).toMatchObject({ ok: false, reason: 'revoked' });
    expect(decide({}, {}, { status: 'deactivated' })).toMatchObject({ ok: false, reason: 'owner_inactive' });
    expect(decide({}, {}, { accountType: 'user' })).toMatchObject({ ok: false, reason: 'owner_inactive' });
  });

  it("is unknown when its account's record is missing or another account's", () => {
    expect(decideAccessToken(claims, null, JSON.stringify(owner), NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(decide({ accountId: 'svc-2' })).toEqual({ ok: false, reason: 'unknown' });
  });
});
