import { OrganizationPolicyRecord, PrincipalRecord, TOKEN_STATUSES } from '@warden/contracts';
import { decideVerification } from './verify-credential';
import { TokenStatusFacts, decideTokenStatus } from './token-status';

const now = new Date('2030-01-01T00:30:00.000Z');
const facts: TokenStatusFacts = { status: 'active', expiresAt: null, issuedAt: '2030-01-01T00:00:00.000Z', userId: 'u-1', organizationId: 'o-1' };
const owner: PrincipalRecord = {
  userId: 'u-1',
  organizationId: 'o-1',
  accountType: 'service_internal',
  username: 'pipeline',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: false,
  platformAdmin: false,
  status: 'active',
};
const policy = (maxTokenLifetimeSeconds: number | null): OrganizationPolicyRecord => ({ organizationId: 'o-1', maxTokenLifetimeSeconds });
const status = (f: Partial<TokenStatusFacts>, o: Partial<PrincipalRecord> | null = {}, p: OrganizationPolicyRecord | null = null) =>
  decideTokenStatus({ ...facts, ...f }, o === null ? null : { ...owner, ...o }, p, now);

describe('decideTokenStatus', () => {
  it.each([
    ['an active token of an active service account', {}, {}, null, 'active'],
    ['a revoked token', { status: 'revoked' as const }, {}, null, 'revoked'],
    ['a token past its expiry', { expiresAt: '2030-01-01T00:29:00.000Z' }, {}, null, 'expired'],
    ['a token past the organization\'s lifetime cap', {}, {}, policy(60), 'expired'],
    ['a token within the organization\'s lifetime cap', {}, {}, policy(3600), 'active'],
    ['a disabled token', { disabledAt: '2030-01-01T00:10:00.000Z' }, {}, null, 'disabled'],
    ['a token whose disabledAt is null (enabled again)', { disabledAt: null }, {}, null, 'active'],
    ['a token of a deactivated owner', {}, { status: 'deactivated' as const }, null, 'owner_inactive'],
    ['a token of a deleted owner', {}, { status: 'deleted' as const }, null, 'owner_inactive'],
    ['a token without its owner\'s record', {}, null, null, 'owner_inactive'],
    ['a token of an owner made a human account', {}, { accountType: 'user' as const }, null, 'owner_inactive'],
    ['a token of an owner in another organization', {}, { organizationId: 'o-2' }, null, 'owner_inactive'],
  ])('says %s is what verification decides', (_what, f, o, p, expected) => {
    expect(status(f, o, p).status).toBe(expected);
  });

  it('takes the first cause: revoked, then expired, then disabled, then the owner', () => {
    const all = { status: 'revoked' as const, expiresAt: '2030-01-01T00:00:01.000Z', disabledAt: '2030-01-01T00:00:00.000Z' };
    expect(status(all, { status: 'deactivated' }).status).toBe('revoked');
    expect(status({ ...all, status: 'active' }, { status: 'deactivated' }).status).toBe('expired');
    expect(status({ ...all, status: 'active', expiresAt: null }, { status: 'deactivated' }).status).toBe('disabled');
  });

  it('tells a rotated-out secret from an expired token by which end came first', () => {
    const rotatedOutAt = '2030-01-01T00:20:00.000Z';
    expect(status({ expiresAt: rotatedOutAt, rotatedOutAt })).toMatchObject({ status: 'expired', rotatedOut: true });
    // The token expired before the grace period would have ended.
    expect(status({ expiresAt: '2030-01-01T00:10:00.000Z', rotatedOutAt })).toMatchObject({ status: 'expired', rotatedOut: false });
    // The organization's cap ended the secret before its grace did.
    expect(status({ expiresAt: rotatedOutAt, rotatedOutAt }, {}, policy(60))).toMatchObject({ status: 'expired', rotatedOut: false });
    // Still within its grace period.
    expect(status({ expiresAt: '2030-01-01T00:40:00.000Z', rotatedOutAt: '2030-01-01T00:40:00.000Z' })).toMatchObject({ status: 'active', rotatedOut: false });
  });

  it('answers the effective expiry: the earlier of the token\'s own and the organization\'s cap', () => {
    expect(status({}, {}, policy(3600)).expiresAt).toBe('2030-01-01T01:00:00.000Z');
    expect(status({ expiresAt: '2030-01-01T00:45:00.000Z' }, {}, policy(3600)).expiresAt).toBe('2030-01-01T00:45:00.000Z');
    expect(status({}, {}, null).expiresAt).toBeNull();
  });

  it('agrees with decideVerification on every status, naming the status as the refusal reason', () => {
    const cases: [Partial<TokenStatusFacts>, Partial<PrincipalRecord> | null, OrganizationPolicyRecord | null][] = [
      [{}, {}, null],
      [{ status: 'revoked' }, {}, null],
      [{ expiresAt: '2030-01-01T00:29:00.000Z' }, {}, null],
      [{}, {}, policy(60)],
      [{ disabledAt: '2030-01-01T00:10:00.000Z' }, {}, null],
      [{}, { status: 'deactivated' }, null],
      [{}, null, null],
    ];
    const seen = new Set<string>();
    for (const [f, o, p] of cases) {
      const decided = status(f, o, p).status;
      seen.add(decided);
      const record = { kind: 'api_token', credentialId: 't-1', ...facts, ...f };
      const verified = decideVerification('api_token', JSON.stringify(record), o === null ? null : JSON.stringify({ ...owner, ...o }), now, null, p && JSON.stringify(p));
      expect(verified.ok ? 'active' : verified.reason).toBe(decided);
    }
    expect([...seen].sort()).toEqual([...TOKEN_STATUSES].sort());
  });

  it('refuses a rotated-out secret after its grace with rotated_out, not expired', () => {
    const record = { kind: 'api_token', credentialId: 't-1', ...facts, expiresAt: '2030-01-01T00:20:00.000Z', rotatedOutAt: '2030-01-01T00:20:00.000Z' };
    expect(decideVerification('api_token', JSON.stringify(record), JSON.stringify(owner), now)).toEqual({ ok: false, reason: 'rotated_out', organizationId: 'o-1' });
  });
});
