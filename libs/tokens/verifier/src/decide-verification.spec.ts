import { CredentialRecord, PrincipalRecord } from '@warden/contracts';
import { principalOf } from '@warden/access';
import { decideVerification, introspectionFor, introspectionOf, principalOfIntrospection } from './verify-credential';

const now = new Date('2030-01-01T00:30:00.000Z');
const credential: CredentialRecord = {
  kind: 'session',
  credentialId: 's-1',
  userId: 'u-1',
  organizationId: 'o-1',
  expiresAt: '2030-01-01T01:00:00.000Z',
  status: 'active',
};
const principal: PrincipalRecord = {
  userId: 'u-1',
  organizationId: 'o-1',
  accountType: 'service_external',
  username: 'pipeline',
  roles: ['WARDEN_AUDITOR'],
  teams: ['t-1'],
  permissions: { 'audit:read': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
  status: 'active',
};
const decide = (c: Partial<CredentialRecord> | null, p: Partial<PrincipalRecord> | null, origin?: string) =>
  decideVerification(
    'session',
    c === null ? null : JSON.stringify({ ...credential, ...c }),
    p === null ? null : JSON.stringify({ ...principal, ...p }),
    now,
    origin,
  );

describe('decideVerification', () => {
  it('accepts an active, unexpired credential of an active owner, with the principal and the credential', () => {
    expect(decide({}, {})).toEqual({
      ok: true,
      principal: {
        userId: 'u-1',
        organizationId: 'o-1',
        accountType: 'service_external',
        roles: ['WARDEN_AUDITOR'],
        teams: ['t-1'],
        permissions: { 'audit:read': 'organization' },
        isSuperAdmin: false,
        platformAdmin: false,
        credential: { kind: 'session', id: 's-1', expiresAt: '2030-01-01T01:00:00.000Z' },
      },
    });
  });

  it.each([
    ['no record', null, {}, 'unknown'],
    ['a record of another kind', { kind: 'api_token' as const }, {}, 'unknown'],
    ['a revoked credential', { status: 'revoked' as const }, {}, 'revoked'],
    ['an expired credential', { expiresAt: '2030-01-01T00:29:59.999Z' }, {}, 'expired'],
    ['a credential expiring this very instant', { expiresAt: now.toISOString() }, {}, 'expired'],
    ['an owner without a principal record', {}, null, 'owner_inactive'],
    ['a deactivated owner', {}, { status: 'deactivated' as const }, 'owner_inactive'],
    ['a deleted owner', {}, { status: 'deleted' as const }, 'owner_inactive'],
    ['an owner now in another organization', {}, { organizationId: 'o-2' }, 'owner_inactive'],
  ])('refuses %s', (_what, c, p, reason) => {
    // A credential that exists is refused naming its organization (see introspectionFor).
    expect(decide(c, p)).toEqual(reason === 'unknown' ? { ok: false, reason } : { ok: false, reason, organizationId: 'o-1' });
  });

  it('keeps a session from before its owner\'s last deactivation ended after the reactivation', () => {
    const deactivatedAt = '2030-01-01T00:10:00.000Z';
    expect(decide({ issuedAt: '2030-01-01T00:05:00.000Z' }, { sessionsNotBefore: deactivatedAt })).toEqual({ ok: false, reason: 'revoked', organizationId: 'o-1' });
    expect(decide({}, { sessionsNotBefore: deactivatedAt })).toEqual({ ok: false, reason: 'revoked', organizationId: 'o-1' });
    expect(decide({ issuedAt: '2030-01-01T00:15:00.000Z' }, { sessionsNotBefore: deactivatedAt }).ok).toBe(true);
    expect(decide({ issuedAt: '2030-01-01T00:05:00.000Z' }, {}).ok).toBe(true);
  });

  it('refuses a record that is not JSON, failing closed', () => {
    expect(decideVerification('session', '{not json', JSON.stringify(principal), now)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('accepts a credential that never expires', () => {
    expect(decide({ expiresAt: null }, {}).ok).toBe(true);
  });

  it('matches the origins of a public token exactly', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(decide({ allowedOrigins }, {}, 'https://app.example.com').ok).toBe(true);
    const refused = { ok: false, reason: 'origin_not_allowed', organizationId: 'o-1' };
    expect(decide({ allowedOrigins }, {}, 'https://app.example.com:443')).toEqual(refused);
    expect(decide({ allowedOrigins }, {}, 'https://evil.app.example.com')).toEqual(refused);
    expect(decide({ allowedOrigins }, {})).toEqual(refused);
  });

  describe('API tokens', () => {
    const token: Partial<CredentialRecord> = { kind: 'api_token', credentialId: 't-1', expiresAt: null, issuedAt: '2030-01-01T00:00:00.000Z' };
    const owner: Partial<PrincipalRecord> = { permissions: { 'records:read': 'organization', 'records:write': 'team', 'audit:read': 'organization' } };
    const decideToken = (c: Partial<CredentialRecord>, p: Partial<PrincipalRecord>, policy?: { maxTokenLifetimeSeconds: number | null }, origin?: string) =>
      decideVerification(
        'api_token',
        JSON.stringify({ ...credential, ...token, ...c }),
        JSON.stringify({ ...principal, ...owner, ...p }),
        now,
        origin,
        policy ? JSON.stringify({ organizationId: 'o-1', ...policy }) : null,
      );

    it('gives a token without its own permissions all of its owner\'s current ones', () => {
      const result = decideToken({}, {});
      expect(result).toMatchObject({ ok: true, principal: { permissions: owner.permissions, credential: { kind: 'api_token', id: 't-1', expiresAt: null } } });
      if (result.ok) expect(result.principal.credential.permissions).toBeUndefined();
    });

    it('intersects a narrowed token\'s permissions with the current ones of its owner, in the owner\'s scope', () => {
      const result = decideToken({ permissions: ['records:write', 'users:write'] }, {});
      expect(result).toMatchObject({ ok: true, principal: { permissions: { 'records:write': 'team' }, credential: { permissions: ['records:write', 'users:write'] } } });
      // The owner loses a permission: the token loses it at once.
      expect(decideToken({ permissions: ['records:write'] }, { permissions: {} })).toMatchObject({ ok: true, principal: { permissions: {} } });
    });

    it('never lets a narrowed token act as a super admin', () => {
      const result = decideToken({ permissions: ['users:read'] }, { accountType: 'service_internal', isSuperAdmin: true, platformAdmin: true, permissions: {} });
      expect(result).toMatchObject({ ok: true, principal: { permissions: { 'users:read': 'organization' }, isSuperAdmin: false, platformAdmin: false } });
    });

    it('caps a secret\'s life at use by the organization\'s maximum token lifetime', () => {
      // issued at 00:00, now is 00:30
      expect(decideToken({}, {}, { maxTokenLifetimeSeconds: 1801 })).toMatchObject({ ok: true, principal: { credential: { expiresAt: '2030-01-01T00:30:01.000Z' } } });
      expect(decideToken({}, {}, { maxTokenLifetimeSeconds: 1800 })).toEqual({ ok: false, reason: 'expired', organizationId: 'o-1' });
      expect(decideToken({ expiresAt: '2030-01-01T00:40:00.000Z' }, {}, { maxTokenLifetimeSeconds: 3600 })).toMatchObject({
        ok: true,
        principal: { credential: { expiresAt: '2030-01-01T00:40:00.000Z' } },
      });
      expect(decideToken({}, {}, { maxTokenLifetimeSeconds: null }).ok).toBe(true);
    });

    it('stops the tokens of an owner converted to a human account', () => {
      expect(decideToken({}, { accountType: 'user' })).toEqual({ ok: false, reason: 'owner_inactive', organizationId: 'o-1' });
      expect(decideToken({}, { accountType: 'service_internal' }).ok).toBe(true);
    });

    it.each([
      ['the exact origin', 'https://app.example.com', true],
      ['another case', 'https://App.example.com', false],
      ['a trailing slash', 'https://app.example.com/', false],
      ['the default port spelled out', 'https://app.example.com:443', false],
      ['the opaque null origin', 'null', false],
      ['userinfo', 'https://user@app.example.com', false],
      ['the unicode spelling of a punycode host', 'https://bücher.example', false],
      ['the punycode host', 'https://xn--bcher-kva.example', true],
      ['no origin', undefined, false],
    ])('compares %s with the allowlist exactly', (_what, origin, ok) => {
      const allowedOrigins = ['https://app.example.com', 'https://xn--bcher-kva.example'];
      expect(decideToken({ allowedOrigins }, {}, undefined, origin).ok).toBe(ok);
    });
  });

  describe('introspectionOf', () => {
    it('answers an active credential with the principal and a reason only when it may', () => {
      expect(introspectionOf(decide({}, {}), false)).toEqual({
        active: true,
        token_id: 's-1',
        token_type: 'session',
        user_id: 'u-1',
        organization_id: 'o-1',
        account_type: 'service_external',
        roles: ['WARDEN_AUDITOR'],
        teams: ['t-1'],
        permissions: { 'audit:read': 'organization' },
        is_super_admin: false,
        platform_admin: false,
        expires_at: '2030-01-01T01:00:00.000Z',
      });
      expect(introspectionOf({ ok: false, reason: 'revoked' }, true)).toEqual({ active: false, reason: 'revoked' });
      expect(introspectionOf({ ok: false, reason: 'revoked' }, false)).toEqual({ active: false });
    });

    it('says what a token was narrowed to as RFC 7662\'s space-separated scope', () => {
      const narrowed = decideVerification('api_token', JSON.stringify({ ...credential, kind: 'api_token', permissions: ['audit:read', 'records:write'] }), JSON.stringify(principal), now);
      expect(introspectionOf(narrowed, true)).toMatchObject({ active: true, scope: 'audit:read records:write', permissions: { 'audit:read': 'organization' } });
      expect(introspectionOf(decide({}, {}), true)).not.toHaveProperty('scope');
    });

    // The library's HTTP mode decides on an introspection: it must see the caller the Redis mode sees.
    it.each([
      ['a session', 'session' as const, {}, {}],
      ['a super admin\'s token', 'api_token' as const, {}, { isSuperAdmin: true, roles: ['WARDEN_SUPER_ADMIN'] }],
      ['an internal account\'s narrowed token', 'api_token' as const, { permissions: ['audit:read'] }, { accountType: 'service_internal' as const }],
      ['a token narrowed to nothing', 'api_token' as const, { permissions: [] }, { platformAdmin: true, isSuperAdmin: true }],
    ])('gives back the principal of %s from its introspection', (_name, kind, c, p) => {
      const result = decideVerification(kind, JSON.stringify({ ...credential, kind, ...c }), JSON.stringify({ ...principal, ...p }), now);
      if (!result.ok) throw new Error(`expected an active credential, got ${result.reason}`);
      const answer = introspectionOf(result, true);
      if (!answer.active) throw new Error('expected an active introspection');
      expect(principalOfIntrospection(JSON.parse(JSON.stringify(answer)))).toEqual(result.principal);
    });
  });

  describe('introspectionFor', () => {
    const caller = (organizationId: string, permissions: PrincipalRecord['permissions']) =>
      principalOf({ userId: 'c-1', organizationId, accountType: 'user', roles: [], teams: [], permissions, isSuperAdmin: false, platformAdmin: false });
    const reader = caller('o-1', { 'tokens:read': 'organization' });
    const outsider = caller('o-2', { 'tokens:read': 'organization' });

    it("answers another organization's credential, whatever its state, exactly as an unknown one", () => {
      const unknown = introspectionFor(decide(null, {}), outsider);
      expect(unknown).toEqual({ active: false, reason: 'unknown' });
      const states: [Partial<CredentialRecord>, Partial<PrincipalRecord>][] = [
        [{}, {}],
        [{ status: 'revoked' }, {}],
        [{ allowedOrigins: ['https://a.example'] }, {}],
        [{}, { status: 'deactivated' }],
      ];
      for (const [c, p] of states) {
        expect(introspectionFor(decide(c, p), outsider)).toEqual(unknown);
      }
    });

    it('says why only to a caller who reads the organization\'s tokens, across the organization', () => {
      expect(introspectionFor(decide({ status: 'revoked' }, {}), reader)).toEqual({ active: false, reason: 'revoked' });
      expect(introspectionFor(decide({ status: 'revoked' }, {}), caller('o-1', { 'tokens:read': 'team' }))).toEqual({ active: false });
      expect(introspectionFor(decide({}, {}), caller('o-1', {}))).toMatchObject({ active: true, token_id: 's-1' });
    });
  });
});
