import { AccountAccess, principalOf } from '@warden/access';
import { CommonErrorCode, TokensErrorCode, WardenError } from '@warden/contracts';
import { deciderSpec } from '@warden/testing';
import { TokenCommand, TokenEvent, TokenOwner, tokenDecider, tokenStreamId } from './token.decider';

const ORG = 'o-1';
const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);
const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T01:00:00.000Z';
const owner: TokenOwner = {
  userId: 'svc-1',
  organizationId: ORG,
  accountType: 'service_external',
  roles: ['RECORDS'],
  teams: ['team-1'],
  status: 'active',
  permissions: { 'records:read': 'organization', 'records:write': 'team' },
  isSuperAdmin: false,
  platformAdmin: false,
};
const internalOwner: TokenOwner = { ...owner, userId: 'svc-internal', accountType: 'service_internal', roles: [], permissions: {} };
const account = (userId: string, permissions: AccountAccess['permissions'], isSuperAdmin = false): AccountAccess => ({
  userId,
  organizationId: ORG,
  accountType: 'user',
  roles: isSuperAdmin ? ['WARDEN_SUPER_ADMIN'] : ['WARDEN_ADMIN'],
  teams: ['team-1'],
  permissions,
  isSuperAdmin,
  platformAdmin: false,
});
// The callers: a super admin, an admin who holds records:* as widely as the owner, one who does not.
const superAdmin = principalOf(account('admin-0', {}, true));
const recordsAdmin = principalOf(account('admin-1', { 'tokens:write': 'organization', 'records:read': 'organization', 'records:write': 'organization' }));
const plainAdmin = principalOf(account('admin-2', { 'tokens:write': 'organization', 'users:write': 'organization' }));
const internalTokenWriter = principalOf(internalOwner, ['tokens:write', 'records:read']);
const issue: Extract<TokenCommand, { type: 'IssueToken' }> = {
  type: 'IssueToken',
  tokenId: 't-1',
  organizationId: ORG,
  owner,
  name: 'DocuSign webhooks',
  visibility: 'private',
  allowedOrigins: [],
  expiresAt: null,
  permissions: null,
  secretHash: hashA,
  lastFour: 'Ab12',
  issuedAt: T0,
  maxLifetimeSeconds: null,
  issuer: superAdmin,
};
const issued: TokenEvent = {
  type: 'TokenIssued',
  data: {
    tokenId: 't-1',
    organizationId: ORG,
    ownerId: 'svc-1',
    name: 'DocuSign webhooks',
    visibility: 'private',
    allowedOrigins: [],
    expiresAt: null,
    permissions: null,
    secretHash: hashA,
    lastFour: 'Ab12',
    issuedAt: T0,
  },
};
const revoked: TokenEvent = { type: 'TokenRevoked', data: { tokenId: 't-1', ownerId: 'svc-1', revokedAt: T1 } };

const spec = deciderSpec(tokenDecider);
const code = (expected: TokensErrorCode, field?: string) => (error: WardenError) => {
  expect(error.code).toBe(expected);
  if (field) expect(error.errors?.[0]?.field).toBe(field);
};

describe('token decider', () => {
  it('names its stream', () => {
    expect(tokenStreamId('t-1')).toBe('token-t-1');
  });

  describe('IssueToken', () => {
    it('issues a private token to a service account, recording only the hash of its secret', () => {
      spec.given([]).when(issue).then([issued]);
    });

    it('issues to the internal service account too', () => {
      spec.given([]).when({ ...issue, owner: { ...owner, accountType: 'service_internal' } }).then([
        { ...issued, data: { ...issued.data } },
      ]);
    });

    it.each([
      ['an unknown account', null],
      ['a human user (tokens belong only to service accounts)', { ...owner, accountType: 'user' as const }],
      ['an account of another organization', { ...owner, organizationId: 'o-2' }],
      ['a deactivated service account', { ...owner, status: 'deactivated' as const }],
      ['a deleted service account', { ...owner, status: 'deleted' as const }],
    ])('refuses %s as owner', (_what, candidate) => {
      spec.given([]).when({ ...issue, owner: candidate }).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenOwner, 'user_id'));
    });

    it('refuses to issue the same token twice', () => {
      spec.given([issued]).when(issue).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
    });

    it('refuses a secret hash that is not a SHA-256', () => {
      spec.given([]).when({ ...issue, secretHash: 'wdn_p_plaintext' }).thenThrows(RangeError);
    });

    it('stores a public token\'s origins normalized, without duplicates', () => {
      spec
        .given([])
        .when({ ...issue, visibility: 'public', allowedOrigins: ['HTTPS://App.Example.com:443/', 'https://app.example.com', 'http://localhost:8080'] })
        .then([{ ...issued, data: { ...issued.data, visibility: 'public', allowedOrigins: ['https://app.example.com', 'http://localhost:8080'] } }]);
    });

    it.each([
      ['a wildcard', ['https://*.example.com'], 'allowed_origins[0]', /wildcard/],
      ['a path', ['https://app.example.com', 'https://app.example.com/hook'], 'allowed_origins[1]', /path/],
      ['userinfo', ['https://u:p@app.example.com'], 'allowed_origins[0]', /userinfo/],
      ['no origin at all', [], 'allowed_origins', /at least one/],
    ])('refuses a public token with %s, naming the field', (_what, allowedOrigins, field, message) => {
      spec
        .given([])
        .when({ ...issue, visibility: 'public', allowedOrigins })
        .thenThrows(WardenError, (error) => {
          code(TokensErrorCode.InvalidAllowedOrigins, field)(error);
          expect(error.errors?.[0]?.message).toMatch(message);
        });
    });

    it('refuses origins on a private token', () => {
      spec
        .given([])
        .when({ ...issue, allowedOrigins: ['https://app.example.com'] })
        .thenThrows(WardenError, code(TokensErrorCode.InvalidAllowedOrigins, 'allowed_origins'));
    });

    it('accepts an expiry within the organization\'s maximum lifetime', () => {
      spec.given([]).when({ ...issue, expiresAt: T1, maxLifetimeSeconds: 3600 }).then([{ ...issued, data: { ...issued.data, expiresAt: T1 } }]);
    });

    it('refuses an expiry beyond the organization\'s maximum lifetime', () => {
      spec
        .given([])
        .when({ ...issue, expiresAt: '2030-01-01T01:00:00.001Z', maxLifetimeSeconds: 3600 })
        .thenThrows(WardenError, code(TokensErrorCode.InvalidTokenExpiry, 'expires_at'));
    });

    it('refuses an expiry that is not in the future', () => {
      spec.given([]).when({ ...issue, expiresAt: T0 }).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenExpiry, 'expires_at'));
    });

    it('gives a token without expiry the longest lifetime the organization allows', () => {
      spec.given([]).when({ ...issue, maxLifetimeSeconds: 3600 }).then([{ ...issued, data: { ...issued.data, expiresAt: T1 } }]);
    });

    it('narrows to a subset of the owner\'s permissions, sorted and without duplicates', () => {
      spec
        .given([])
        .when({ ...issue, permissions: ['records:write', 'records:read', 'records:read'] })
        .then([{ ...issued, data: { ...issued.data, permissions: ['records:read', 'records:write'] } }]);
    });

    it('refuses a permission the owner does not hold', () => {
      spec
        .given([])
        .when({ ...issue, permissions: ['records:read', 'users:write'] })
        .thenThrows(WardenError, (error) => {
          code(TokensErrorCode.InvalidTokenPermissions, 'permissions')(error);
          expect(error.detail).toMatch(/users:write/);
        });
    });

    it('refuses something that is not a permission', () => {
      spec.given([]).when({ ...issue, permissions: ['everything'] }).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenPermissions));
    });

    it('lets the internal service account narrow to any permission (it holds them all)', () => {
      spec
        .given([])
        .when({ ...issue, owner: { ...owner, accountType: 'service_internal', permissions: {} }, permissions: ['users:read'] })
        .then([{ ...issued, data: { ...issued.data, permissions: ['users:read'] } }]);
    });
  });

  describe('no token stronger than the credential that issues it', () => {
    const forbidden = (error: WardenError) => expect(error.code).toBe(CommonErrorCode.Forbidden);

    it("refuses an admin a token of the internal service account, or of any account holding what the admin does not", () => {
      spec.given([]).when({ ...issue, owner: internalOwner, issuer: recordsAdmin }).thenThrows(WardenError, forbidden);
      spec.given([]).when({ ...issue, issuer: plainAdmin }).thenThrows(WardenError, forbidden);
      spec.given([]).when({ ...issue, issuer: plainAdmin, permissions: ['records:read'] }).thenThrows(WardenError, forbidden);
      spec.given([]).when({ ...issue, issuer: recordsAdmin }).then([issued]);
    });

    it("refuses a narrowed token a token of its own account that is not narrowed", () => {
      spec.given([]).when({ ...issue, owner: internalOwner, issuer: internalTokenWriter }).thenThrows(WardenError, forbidden);
    });

    it("narrows what a narrowed token mints to its own permissions, and refuses more", () => {
      const reader: TokenOwner = { ...owner, permissions: { 'records:read': 'organization' } };
      spec
        .given([])
        .when({ ...issue, owner: reader, issuer: internalTokenWriter })
        .then([{ ...issued, data: { ...issued.data, permissions: ['records:read'] } }]);
      spec.given([]).when({ ...issue, owner: reader, issuer: internalTokenWriter, permissions: ['records:read', 'users:read'] }).thenThrows(WardenError, forbidden);
      // The account must be no stronger than the narrowed token either, whatever the new token names.
      spec.given([]).when({ ...issue, issuer: internalTokenWriter, permissions: ['records:read'] }).thenThrows(WardenError, forbidden);
    });

    it("refuses an admin the rotation of the internal account's token (the new secret would be theirs)", () => {
      const internalIssued: TokenEvent = { ...issued, data: { ...issued.data, ownerId: 'svc-internal' } } as TokenEvent;
      const rotate = { type: 'RotateToken' as const, secretHash: hashB, lastFour: 'Cd34', gracePeriodSeconds: 0, at: T1, rotatedBy: recordsAdmin, owner: internalOwner };
      spec.given([internalIssued]).when(rotate).thenThrows(WardenError, forbidden);
      spec.given([internalIssued]).when({ ...rotate, rotatedBy: internalTokenWriter }).thenThrows(WardenError, forbidden);
      spec.given([internalIssued]).when({ ...rotate, owner: { ...internalOwner, userId: 'someone-else' }, rotatedBy: superAdmin }).thenThrows(WardenError, forbidden);
      expect(tokenDecider.decide({ ...rotate, rotatedBy: superAdmin }, tokenDecider.evolve(tokenDecider.initialState(), internalIssued))).toHaveLength(1);
    });

    it('refuses reassigning a token to an account stronger than the caller', () => {
      spec.given([issued]).when({ type: 'ReassignToken', newOwner: internalOwner, at: T1, reassignedBy: recordsAdmin }).thenThrows(WardenError, forbidden);
      spec.given([issued]).when({ type: 'ReassignToken', newOwner: internalOwner, at: T1, reassignedBy: superAdmin }).then([
        { type: 'TokenReassigned', data: { tokenId: 't-1', fromUserId: 'svc-1', toUserId: 'svc-internal', reassignedAt: T1 } },
      ]);
    });
  });

  describe('RevokeToken', () => {
    it('revokes an active token', () => {
      spec.given([issued]).when({ type: 'RevokeToken', at: T1 }).then([revoked]);
    });

    it('treats revoking twice as done', () => {
      spec.given([issued, revoked]).when({ type: 'RevokeToken', at: T1 }).then([]);
    });

    it('cannot revoke a token that does not exist', () => {
      spec.given([]).when({ type: 'RevokeToken', at: T1 }).thenThrows(WardenError, code(TokensErrorCode.TokenNotFound));
    });
  });

  describe('RotateToken', () => {
    const rotate = { type: 'RotateToken' as const, secretHash: hashB, lastFour: 'Cd34', gracePeriodSeconds: 600, at: T1, rotatedBy: recordsAdmin, owner };

    it('records the new secret\'s hash and when the old one stops working', () => {
      spec.given([issued]).when(rotate).then([
        {
          type: 'TokenRotated',
          data: { tokenId: 't-1', secretHash: hashB, lastFour: 'Cd34', previousSecretHash: hashA, previousValidUntil: '2030-01-01T01:10:00.000Z', rotatedAt: T1 },
        },
      ]);
    });

    it('ends the old secret at once with a grace period of 0', () => {
      spec.given([issued]).when({ ...rotate, gracePeriodSeconds: 0 }).then([
        { type: 'TokenRotated', data: { tokenId: 't-1', secretHash: hashB, lastFour: 'Cd34', previousSecretHash: hashA, previousValidUntil: T1, rotatedAt: T1 } },
      ]);
    });

    it.each([-1, 1.5, 7 * 24 * 3600 + 1])('refuses a grace period of %p', (gracePeriodSeconds) => {
      spec.given([issued]).when({ ...rotate, gracePeriodSeconds }).thenThrows(WardenError, code(TokensErrorCode.InvalidGracePeriod, 'grace_period_seconds'));
    });

    it('refuses to rotate a revoked or expired token', () => {
      spec.given([issued, revoked]).when(rotate).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
      const expiring: TokenEvent = { ...issued, data: { ...issued.data, expiresAt: T1 } } as TokenEvent;
      spec.given([expiring]).when(rotate).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
    });

    it('cannot rotate a token that does not exist', () => {
      spec.given([]).when(rotate).thenThrows(WardenError, code(TokensErrorCode.TokenNotFound));
    });

    it('ends every earlier secret still in its grace with a rotation of grace 0', () => {
      const T2 = '2030-01-01T01:05:00.000Z';
      const first = tokenDecider.decide(rotate, tokenDecider.evolve(tokenDecider.initialState(), issued));
      const rotated = [issued, ...first].reduce(tokenDecider.evolve, tokenDecider.initialState());
      const hashC = 'c'.repeat(64);
      const second = tokenDecider.decide({ ...rotate, secretHash: hashC, gracePeriodSeconds: 0, at: T2 }, rotated);
      expect(second).toEqual([
        { type: 'TokenGraceShortened', data: { tokenId: 't-1', secretHashes: [hashA], validUntil: T2, shortenedAt: T2 } },
        { type: 'TokenRotated', data: { tokenId: 't-1', secretHash: hashC, lastFour: 'Cd34', previousSecretHash: hashB, previousValidUntil: T2, rotatedAt: T2 } },
      ]);
      expect(second.reduce(tokenDecider.evolve, rotated)).toMatchObject({
        secrets: [
          { hash: hashA, validUntil: T2 },
          { hash: hashB, validUntil: T2 },
          { hash: hashC, validUntil: null },
        ],
      });
      // A longer grace than an earlier secret has left does not lengthen it.
      expect(tokenDecider.decide({ ...rotate, secretHash: hashC, gracePeriodSeconds: 3600, at: T2 }, rotated).map((event) => event.type)).toEqual(['TokenRotated']);
    });

    it('keeps every secret, the old one with the end of its grace', () => {
      const state = [issued, ...tokenDecider.decide(rotate, tokenDecider.evolve(tokenDecider.initialState(), issued))].reduce(
        tokenDecider.evolve,
        tokenDecider.initialState(),
      );
      expect(state).toMatchObject({
        secrets: [
          { hash: hashA, validUntil: '2030-01-01T01:10:00.000Z' },
          { hash: hashB, issuedAt: T1, validUntil: null },
        ],
        rotatedAt: T1,
      });
    });
  });

  describe('ReassignToken', () => {
    const other: TokenOwner = { ...owner, userId: 'svc-2' };
    const reassign = { type: 'ReassignToken' as const, newOwner: other, at: T1, reassignedBy: recordsAdmin };

    it('moves the token to another service account of the organization', () => {
      spec.given([issued]).when(reassign).then([{ type: 'TokenReassigned', data: { tokenId: 't-1', fromUserId: 'svc-1', toUserId: 'svc-2', reassignedAt: T1 } }]);
    });

    it.each([
      ['a human user (a token goes only to a service account)', { ...other, accountType: 'user' as const }],
      ['an account of another organization', { ...other, organizationId: 'o-2' }],
      ['a deactivated account', { ...other, status: 'deactivated' as const }],
      ['an unknown account', null],
    ])('refuses %s', (_what, newOwner) => {
      spec.given([issued]).when({ ...reassign, newOwner }).thenThrows(WardenError, code(TokensErrorCode.InvalidTokenOwner, 'user_id'));
    });

    it('changes nothing when given to its owner', () => {
      spec.given([issued]).when({ ...reassign, newOwner: owner }).then([]);
    });

    it('refuses to reassign a revoked token', () => {
      spec.given([issued, revoked]).when(reassign).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
    });
  });

  describe('RecordTokenUse', () => {
    const used: TokenEvent = { type: 'TokenUsed', data: { tokenId: 't-1', ownerId: 'svc-1', organizationId: ORG, usedAt: T1 } };

    it('records the last use', () => {
      spec.given([issued]).when({ type: 'RecordTokenUse', usedAt: T1 }).then([used]);
    });

    it('ignores a use no later than the one recorded', () => {
      spec.given([issued, used]).when({ type: 'RecordTokenUse', usedAt: T1 }).then([]);
      spec.given([issued, used]).when({ type: 'RecordTokenUse', usedAt: T0 }).then([]);
    });

    it('cannot record a use of a token that does not exist', () => {
      spec.given([]).when({ type: 'RecordTokenUse', usedAt: T1 }).thenThrows(WardenError, code(TokensErrorCode.TokenNotFound));
    });
  });
  describe('DisableToken and EnableToken', () => {
    const disabled: TokenEvent = { type: 'TokenDisabled', data: { tokenId: 't-1', ownerId: 'svc-1', disabledAt: T1, reason: 'manual' } };
    const enable: TokenCommand = { type: 'EnableToken', at: T1, enabledBy: recordsAdmin, owner };

    it('disables an active token once, and enables it again', () => {
      spec.given([issued]).when({ type: 'DisableToken', at: T1, reason: 'manual' }).then([disabled]);
      spec.given([issued, disabled]).when({ type: 'DisableToken', at: T1, reason: 'manual' }).then([]);
      spec.given([issued, disabled]).when(enable).then([{ type: 'TokenEnabled', data: { tokenId: 't-1', ownerId: 'svc-1', enabledAt: T1 } }]);
      spec.given([issued]).when(enable).then([]);
    });

    it('gives a token its power back only for a caller who could have issued it', () => {
      const forbidden = (error: WardenError) => expect(error.code).toBe(CommonErrorCode.Forbidden);
      const internalIssued: TokenEvent = { ...issued, data: { ...issued.data, ownerId: 'svc-internal' } } as TokenEvent;
      const internalDisabled: TokenEvent = { ...disabled, data: { ...disabled.data, ownerId: 'svc-internal' } } as TokenEvent;
      spec.given([internalIssued, internalDisabled]).when({ ...enable, owner: internalOwner, enabledBy: recordsAdmin }).thenThrows(WardenError, forbidden);
      spec.given([issued, disabled]).when({ ...enable, enabledBy: plainAdmin }).thenThrows(WardenError, forbidden);
      spec.given([issued, disabled]).when({ ...enable, owner: null }).thenThrows(WardenError, forbidden);
    });

    it('neither disables nor enables a revoked token', () => {
      spec.given([issued, revoked]).when({ type: 'DisableToken', at: T1, reason: 'manual' }).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
      spec.given([issued, disabled, revoked]).when(enable).thenThrows(WardenError, code(TokensErrorCode.TokenNotActive));
    });
  });

  describe('ReportTokenLeak', () => {
    const leak = { type: 'ReportTokenLeak' as const, at: T1, url: 'https://github.com/acme/x', source: 'content', reportedBy: 'scanner' };
    const leaked = (action: 'revoked' | 'disabled'): TokenEvent => ({
      type: 'TokenLeaked',
      data: { tokenId: 't-1', ownerId: 'svc-1', organizationId: ORG, url: leak.url, source: 'content', reportedBy: 'scanner', action },
    });

    it('revokes, or disables, as the organization has leaked tokens undergo', () => {
      spec.given([issued]).when({ ...leak, action: 'revoke' }).then([leaked('revoked'), revoked]);
      spec.given([issued]).when({ ...leak, action: 'disable' }).then([
        leaked('disabled'),
        { type: 'TokenDisabled', data: { tokenId: 't-1', ownerId: 'svc-1', disabledAt: T1, reason: 'leaked' } },
      ]);
    });

    it('still records the leak of a token already revoked', () => {
      spec.given([issued, revoked]).when({ ...leak, action: 'disable' }).then([leaked('revoked')]);
    });
  });

  describe('WarnTokenExpiring and NoteTokenExpired', () => {
    const expiresAt = '2030-01-08T00:00:00.000Z';
    const week = 7 * 86_400;
    const warn = { type: 'WarnTokenExpiring' as const, secretHash: hashA, expiresAt, leadSeconds: week, at: T1 };
    const warned: TokenEvent = { type: 'TokenExpiring', data: { tokenId: 't-1', ownerId: 'svc-1', organizationId: ORG, secretId: '1', expiresAt, leadSeconds: week } };

    it('warns once per secret and lead time, once it is due', () => {
      spec.given([issued]).when(warn).then([warned]);
      spec.given([issued, warned]).when(warn).then([]);
      spec.given([issued]).when({ ...warn, leadSeconds: 86_400 }).then([]); // not due yet
    });

    it('gives no warning of a revoked token, nor of a secret rotated out', () => {
      spec.given([issued, revoked]).when(warn).then([]);
      const rotated: TokenEvent = {
        type: 'TokenRotated',
        data: { tokenId: 't-1', secretHash: hashB, lastFour: 'Cd34', previousSecretHash: hashA, previousValidUntil: T1, rotatedAt: T1 },
      };
      spec.given([issued, rotated]).when(warn).then([]);
      spec.given([issued, rotated]).when({ ...warn, secretHash: hashB }).then([{ ...warned, data: { ...warned.data, secretId: '2' } } as TokenEvent]);
    });

    it('notes the expiry once, from the moment it has come', () => {
      const note = { type: 'NoteTokenExpired' as const, secretHash: hashA, expiresAt, at: expiresAt };
      const expired: TokenEvent = { type: 'TokenExpired', data: { tokenId: 't-1', ownerId: 'svc-1', organizationId: ORG, expiredAt: expiresAt } };
      spec.given([issued]).when(note).then([expired]);
      spec.given([issued, expired]).when(note).then([]);
      spec.given([issued]).when({ ...note, at: T1 }).then([]);
    });
  });
});
