import { NO_POLICY, Token } from '@warden/tokens-domain';
import { OrganizationState, UserState } from '@warden/users-domain';
import { parseMoment } from './moment';
import { tokenAsOfView } from './token-as-of';

const token: Token = {
  status: 'active',
  tokenId: 'token-1',
  organizationId: 'org-1',
  ownerId: 'owner-1',
  name: 'pipeline',
  visibility: 'private',
  allowedOrigins: [],
  expiresAt: '2030-01-01T00:00:00.000Z',
  permissions: null,
  secrets: [{ hash: 'h'.repeat(64), lastFour: 'wxyz', issuedAt: '2029-01-01T00:00:00.000Z', validUntil: null }],
  createdAt: '2029-01-01T00:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  rotatedAt: null,
  disabledAt: null,
  warnings: [],
  expiredSecretId: null,
  ...NO_POLICY,
};
const owner = { status: 'active', accountType: 'service_external' } as UserState;
const organization = (maxTokenLifetimeSeconds: number | null) => ({ status: 'active', maxTokenLifetimeSeconds }) as OrganizationState;
const at = (iso: string) => tokenAsOfView({ token, version: 1, owner, organization: organization(null) }, new Date(iso));

describe('tokenAsOfView', () => {
  it('refuses a token disabled at that moment with its reason', () => {
    const disabled = tokenAsOfView({ token: { ...token, disabledAt: '2029-06-01T00:00:00.000Z' }, version: 2, owner, organization: organization(null) }, new Date('2029-07-01T00:00:00.000Z'));
    expect(disabled).toMatchObject({ status: 'active', valid: false, refusal: 'disabled' });
  });

  it('is valid before its expiry and expired from it on', () => {
    expect(at('2029-12-31T23:59:59.999Z')).toMatchObject({ status: 'active', valid: true });
    expect(at('2030-01-01T00:00:00.000Z')).toMatchObject({ status: 'expired', valid: false, refusal: 'expired' });
  });

  it('caps each secret at the organization\'s max token lifetime then, counted from its issue', () => {
    const capped = (maxLifetime: number | null) =>
      tokenAsOfView({ token, version: 1, owner, organization: organization(maxLifetime) }, new Date('2029-01-01T01:00:00.000Z'));
    expect(capped(3600)).toMatchObject({ status: 'expired', refusal: 'expired', max_token_lifetime_seconds: 3600 });
    expect(capped(3601)).toMatchObject({ status: 'active', valid: true });
    expect(capped(null)).toMatchObject({ status: 'active', valid: true, max_token_lifetime_seconds: null });
  });

  it('refuses a token whose owner was converted to a human account or was gone then', () => {
    const asHuman = { status: 'active', accountType: 'user' } as UserState;
    expect(tokenAsOfView({ token, version: 1, owner: asHuman, organization: organization(null) }, new Date('2029-06-01T00:00:00Z'))).toMatchObject({
      valid: false,
      refusal: 'owner_inactive',
    });
    expect(tokenAsOfView({ token, version: 1, owner: { status: 'absent' }, organization: organization(null) }, new Date('2029-06-01T00:00:00Z'))).toMatchObject({
      valid: false,
      refusal: 'owner_inactive',
      owner_status: 'absent',
    });
  });
});

describe('parseMoment', () => {
  it.each(['2025-03-04T14:02:00Z', '2025-03-04T14:02:00.123+02:00', '2025-03-04T14:02'])('reads %s', (moment) => {
    expect(Number.isNaN(parseMoment(moment).getTime())).toBe(false);
  });

  it.each([undefined, 42, 'tuesday', '2025-03-04', '2025-02-30T25:00:00Z'])('refuses %j naming the field', (moment) => {
    expect(() => parseMoment(moment)).toThrow(expect.objectContaining({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'at' })] }));
  });
});
