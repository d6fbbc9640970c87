import { AccountAccess, principalOf } from '@warden/access';
import { CommonErrorCode, TokensErrorCode, WardenError } from '@warden/contracts';
import { deciderSpec } from '@warden/testing';
import { Token, TokenCommand, TokenEvent, TokenOwner, TokenPolicyChanged, tokenDecider } from './token.decider';
import { TokenPolicyChanges } from './token-policy';

const ORG = 'o-1';
const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T01:00:00.000Z';
const T2 = '2030-01-01T02:00:00.000Z';
const owner: TokenOwner = {
  userId: 'svc-1',
  organizationId: ORG,
  accountType: 'service_external',
  roles: [],
  teams: ['team-1'],
  status: 'active',
  permissions: { 'records:read': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
};
const account = (permissions: AccountAccess['permissions'], isSuperAdmin = false): AccountAccess => ({
  userId: 'admin-1',
  organizationId: ORG,
  accountType: 'user',
  roles: [],
  teams: ['team-1'],
  permissions,
  isSuperAdmin,
  platformAdmin: false,
});
const admin = principalOf(account({ 'tokens:write': 'organization', 'records:read': 'organization' }));
const weakAdmin = principalOf(account({ 'tokens:write': 'organization' }));
const issue: Extract<TokenCommand, { type: 'IssueToken' }> = {
  type: 'IssueToken',
  tokenId: 't-1',
  organizationId: ORG,
  owner,
  name: 'webhooks',
  visibility: 'private',
  allowedOrigins: [],
  expiresAt: null,
  permissions: null,
  secretHash: 'a'.repeat(64),
  lastFour: 'Ab12',
  issuedAt: T0,
  maxLifetimeSeconds: null,
  issuer: admin,
};
const issued: TokenEvent = {
  type: 'TokenIssued',
  data: {
    tokenId: 't-1',
    organizationId: ORG,
    ownerId: 'svc-1',
    name: 'webhooks',
    visibility: 'private',
    allowedOrigins: [],
    expiresAt: null,
    permissions: null,
    secretHash: 'a'.repeat(64),
    lastFour: 'Ab12',
    issuedAt: T0,
  },
};
const none: TokenPolicyChanged['data'] = {
  tokenId: 't-1',
  description: null,
  metadata: {},
  allowedIps: [],
  rateLimit: null,
  credits: null,
  creditsGranted: false,
  changedAt: T1,
};
const changed = (data: Partial<TokenPolicyChanged['data']>): TokenPolicyChanged => ({ type: 'TokenPolicyChanged', data: { ...none, ...data } });
const change = (changes: TokenPolicyChanges, changedBy = admin, at = T1): TokenCommand => ({ type: 'ChangeTokenPolicy', changes, at, changedBy, owner });
const spec = deciderSpec(tokenDecider);
const code = (expected: string, field?: string) => (error: WardenError) => {
  expect(error.code).toBe(expected);
  if (field) expect(error.errors?.[0]?.field).toBe(field);
};
const fold = (events: TokenEvent[]) => events.reduce(tokenDecider.evolve, tokenDecider.initialState());

describe('token usage policy', () => {
  it('records a policy given at issue right after the token, normalizing the addresses', () => {
    spec
      .given([])
      .when({ ...issue, policy: { description: ' CI ', allowedIps: ['10.1.0.0/16', '2001:DB8:0:0::/32', '192.0.2.7', '10.1.0.0/16'], rateLimit: { limit: 5, windowSeconds: 60 } } })
      .then([
        issued,
        changed({ description: 'CI', allowedIps: ['10.1.0.0/16', '2001:db8::/32', '192.0.2.7/32'], rateLimit: { limit: 5, windowSeconds: 60 }, changedAt: T0 }),
      ]);
  });

  it('changes only the fields given, and removes what is set to null', () => {
    const first = changed({ description: 'CI', metadata: { team: 'billing' }, rateLimit: { limit: 5, windowSeconds: 60 } });
    spec.given([issued, first]).when(change({ rateLimit: null }, admin, T2)).then([changed({ description: 'CI', metadata: { team: 'billing' }, changedAt: T2 })]);
  });

  it('records nothing for a change that changes nothing', () => {
    const first = changed({ description: 'CI', rateLimit: { limit: 5, windowSeconds: 60 } });
    spec.given([issued, first]).when(change({ description: 'CI', rateLimit: { limit: 5, windowSeconds: 60 } })).then([]);
  });

  it('numbers each setting of the credits as a new grant, kept across other changes and removals', () => {
    const credits = { amount: 10, refill: null };
    const grant1 = changed({ credits, creditsGranted: true });
    const otherChange = changed({ credits, description: 'x', changedAt: T2 });
    const removed = changed({ changedAt: T2 });
    const grant2 = changed({ credits, creditsGranted: true, changedAt: T2 });
    const state = (events: TokenEvent[]) => fold(events) as Token;
    expect(state([issued, grant1]).credits).toEqual({ ...credits, grant: 1, grantedAt: T1 });
    expect(state([issued, grant1, otherChange]).credits).toEqual({ ...credits, grant: 1, grantedAt: T1 });
    expect(state([issued, grant1, removed]).credits).toBeNull();
    expect(state([issued, grant1, removed, grant2]).credits).toEqual({ ...credits, grant: 2, grantedAt: T2 });
    // Setting the same credits again is a grant: the counter starts again.
    spec.given([issued, grant1]).when(change({ credits })).then([changed({ credits, creditsGranted: true })]);
  });

  it.each([
    [{ allowedIps: ['10.0.0.1/8'] }, 'allowed_ips[0]'],
    [{ allowedIps: ['example.com'] }, 'allowed_ips[0]'],
    [{ allowedIps: ['10.0.0.0/33'] }, 'allowed_ips[0]'],
    [{ allowedIps: ['::/129'] }, 'allowed_ips[0]'],
    [{ rateLimit: { limit: 0, windowSeconds: 60 } }, 'rate_limit.limit'],
    [{ rateLimit: { limit: 1.5, windowSeconds: 60 } }, 'rate_limit.limit'],
    [{ rateLimit: { limit: 5, windowSeconds: 86_401 } }, 'rate_limit.window_seconds'],
    [{ credits: { amount: -1, refill: null } }, 'credits.remaining'],
    [{ credits: { amount: 1, refill: { amount: 0, intervalSeconds: 60 } } }, 'credits.refill.amount'],
    [{ metadata: { 'bad key': 'x' } }, 'metadata.bad key'],
    [{ metadata: { k: 'v'.repeat(513) } }, 'metadata.k'],
    [{ metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
    [{ description: 'd'.repeat(501) }, 'description'],
  ] as [TokenPolicyChanges, string][])('refuses %j naming %s', (changes, field) => {
    spec.given([issued]).when(change(changes)).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenPolicy, field));
    spec.given([]).when({ ...issue, policy: changes }).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenPolicy, field));
  });

  it("refuses a caller who could not have issued the token to its owner, and a revoked token's change", () => {
    spec.given([issued]).when(change({ rateLimit: null, allowedIps: [] }, weakAdmin)).thenThrows(WardenError, code(CommonErrorCode.Forbidden));
    const revoked: TokenEvent = { type: 'TokenRevoked', data: { tokenId: 't-1', ownerId: 'svc-1', revokedAt: T1 } };
    spec.given([issued, revoked]).when(change({ description: 'x' }, admin, T2)).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
    spec.given([]).when(change({ description: 'x' })).thenThrows(WardenError, code(TokensErrorCode.TokenNotFound));
  });
});
