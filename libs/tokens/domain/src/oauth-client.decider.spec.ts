import { AccountAccess, principalOf } from '@warden/access';
import { CommonErrorCode, TokensErrorCode, WardenError } from '@warden/contracts';
import { deciderSpec } from '@warden/testing';
import { OAuthClientCommand, OAuthClientEvent, oauthClientDecider, publicKeyOf } from './oauth-client.decider';
import { TokenOwner } from './token.decider';

const ORG = 'o-1';
const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);
const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T01:00:00.000Z';
const account: TokenOwner = {
  userId: 'svc-1',
  organizationId: ORG,
  accountType: 'service_external',
  roles: ['RECORDS'],
  teams: ['team-1'],
  status: 'active',
  permissions: { 'records:write': 'organization' },
  isSuperAdmin: false,
  platformAdmin: false,
};
const human = (userId: string, permissions: AccountAccess['permissions'], isSuperAdmin = false) =>
  principalOf({ userId, organizationId: ORG, accountType: 'user', roles: [], teams: [], permissions, isSuperAdmin, platformAdmin: false });
const superAdmin = human('admin-0', {}, true);
// Holds tokens:write but not records:write, which the account holds.
const weakerAdmin = human('admin-1', { 'tokens:write': 'organization' });
const EC_JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };

const spec = deciderSpec(oauthClientDecider);
const add: OAuthClientCommand = { type: 'AddClientSecret', secretId: 's-1', organizationId: ORG, account, secretHash: hashA, lastFour: 'Ab12', at: T0, addedBy: superAdmin };
const added: OAuthClientEvent = {
  type: 'ClientSecretAdded',
  data: { accountId: 'svc-1', organizationId: ORG, secretId: 's-1', secretHash: hashA, lastFour: 'Ab12', addedAt: T0 },
};
const register: OAuthClientCommand = {
  type: 'RegisterKey',
  keyId: 'k-1',
  organizationId: ORG,
  account,
  algorithm: 'ES256',
  publicJwk: EC_JWK,
  expiresAt: null,
  at: T0,
  registeredBy: superAdmin,
};
const registered: OAuthClientEvent = {
  type: 'ServiceAccountKeyRegistered',
  data: { accountId: 'svc-1', organizationId: ORG, keyId: 'k-1', algorithm: 'ES256', publicJwk: EC_JWK, expiresAt: null, registeredAt: T0 },
};
const code = (expected: string) => (error: WardenError) => expect(error.code).toBe(expected);

describe('client secrets', () => {
  it('are added for an active service account of the organization by a caller who covers it', () => {
    spec.given([]).when(add).then([added]);
  });

  it('are refused to a caller weaker than the account: no credential stronger than its maker', () => {
    spec.given([]).when({ ...add, addedBy: weakerAdmin }).thenThrows(WardenError, code(CommonErrorCode.Forbidden));
  });

  it("are refused for a person, another organization's account or a deactivated one", () => {
    spec.given([]).when({ ...add, account: { ...account, accountType: 'user' } }).thenThrows(WardenError, code(TokensErrorCode.InvalidOAuthClient));
    spec.given([]).when({ ...add, account: { ...account, organizationId: 'o-2' } }).thenThrows(WardenError, code(TokensErrorCode.InvalidOAuthClient));
    spec.given([]).when({ ...add, account: { ...account, status: 'deactivated' } }).thenThrows(WardenError, code(TokensErrorCode.InvalidOAuthClient));
    spec.given([]).when({ ...add, account: null }).thenThrows(WardenError, code(TokensErrorCode.InvalidOAuthClient));
  });

  it('rotate into a new secret, the old one working until its grace ends', () => {
    const rotate: OAuthClientCommand = {
      type: 'RotateClientSecret',
      secretId: 's-1',
      newSecretId: 's-2',
      secretHash: hashB,
      lastFour: 'Cd34',
      gracePeriodSeconds: 3600,
      account,
      at: T0,
      rotatedBy: superAdmin,
    };
    spec.given([added]).when(rotate).then([
      { type: 'ClientSecretAdded', data: { accountId: 'svc-1', organizationId: ORG, secretId: 's-2', secretHash: hashB, lastFour: 'Cd34', addedAt: T0 } },
      { type: 'ClientSecretRevoked', data: { accountId: 'svc-1', secretId: 's-1', validUntil: T1, revokedAt: T0 } },
    ]);
    spec.given([added]).when({ ...rotate, rotatedBy: weakerAdmin }).thenThrows(WardenError, code(CommonErrorCode.Forbidden));
    spec.given([added]).when({ ...rotate, secretId: 's-9' }).thenThrows(WardenError, code(TokensErrorCode.ClientSecretNotFound));
  });

  it('revoke at once, including one still in a grace period; revoking twice is done', () => {
    const revoked: OAuthClientEvent = { type: 'ClientSecretRevoked', data: { accountId: 'svc-1', secretId: 's-1', validUntil: T0, revokedAt: T0 } };
    spec.given([added]).when({ type: 'RevokeClientSecret', secretId: 's-1', at: T0 }).then([revoked]);
    spec.given([added, revoked]).when({ type: 'RevokeClientSecret', secretId: 's-1', at: T1 }).then([]);
    const inGrace: OAuthClientEvent = { type: 'ClientSecretRevoked', data: { accountId: 'svc-1', secretId: 's-1', validUntil: T1, revokedAt: T0 } };
    spec.given([added, inGrace]).when({ type: 'RevokeClientSecret', secretId: 's-1', at: T0 }).then([revoked]);
  });
});

describe('service account keys', () => {
  it('are registered as public keys only', () => {
    spec.given([]).when(register).then([registered]);
    spec.given([]).when({ ...register, publicJwk: { ...EC_JWK, d: 'secret' } }).thenThrows(WardenError, code(TokensErrorCode.InvalidServiceAccountKey));
    spec.given([]).when({ ...register, algorithm: 'HS256' }).thenThrows(WardenError, code(TokensErrorCode.InvalidServiceAccountKey));
    spec.given([]).when({ ...register, algorithm: 'RS256' }).thenThrows(WardenError, code(TokensErrorCode.InvalidServiceAccountKey));
  });

  it('keep their ids unique per account, and are refused to a caller weaker than the account', () => {
    spec.given([registered]).when(register).thenThrows(WardenError, code(TokensErrorCode.InvalidServiceAccountKey));
    spec.given([]).when({ ...register, registeredBy: weakerAdmin }).thenThrows(WardenError, code(CommonErrorCode.Forbidden));
  });

  it('are deleted; an unknown one is not found', () => {
    spec.given([registered]).when({ type: 'DeleteKey', keyId: 'k-1', at: T1 }).then([{ type: 'ServiceAccountKeyDeleted', data: { accountId: 'svc-1', keyId: 'k-1', deletedAt: T1 } }]);
    spec.given([registered]).when({ type: 'DeleteKey', keyId: 'k-2', at: T1 }).thenThrows(WardenError, code(TokensErrorCode.ServiceAccountKeyNotFound));
  });

  it('take an RSA key of 2048 bits or more, an Ed25519 key, and nothing with a private member', () => {
    const n2048 = Buffer.alloc(256, 1).toString('base64url');
    expect(publicKeyOf({ kty: 'RSA', n: n2048, e: 'AQAB' }, 'RS256')).toMatchObject({ ok: true });
    expect(publicKeyOf({ kty: 'RSA', n: Buffer.alloc(128, 1).toString('base64url'), e: 'AQAB' }, 'RS256')).toMatchObject({ ok: false });
    expect(publicKeyOf({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }, 'EdDSA')).toMatchObject({ ok: true });
    expect(publicKeyOf({ kty: 'oct', k: 'c2VjcmV0' }, 'ES256')).toMatchObject({ ok: false });
  });
});

describe('access token revocations', () => {
  const revoke: OAuthClientCommand = { type: 'RevokeAccessToken', grantId: 'g-1', expiresAt: T1, at: T0 };
  const revoked: OAuthClientEvent = { type: 'AccessTokenRevoked', data: { accountId: 'svc-1', grantId: 'g-1', expiresAt: T1, revokedAt: T0 } };

  it('are recorded until the token would have expired, once', () => {
    spec.given([added]).when(revoke).then([revoked]);
    spec.given([added, revoked]).when(revoke).then([]);
    spec.given([added]).when({ ...revoke, at: T1 }).then([]);
  });

  it('are forgotten once the token would have expired anyway', () => {
    const later: OAuthClientEvent = { type: 'AccessTokenRevoked', data: { accountId: 'svc-1', grantId: 'g-2', expiresAt: '2030-01-01T03:00:00.000Z', revokedAt: '2030-01-01T02:00:00.000Z' } };
    const state = [added, revoked, later].reduce(oauthClientDecider.evolve, oauthClientDecider.initialState());
    expect(state.status === 'active' && state.revokedGrants.map((grant) => grant.grantId)).toEqual(['g-2']);
  });
});

describe('federation rules', () => {
  const add: OAuthClientCommand = {
    type: 'AddFederationRule',
    ruleId: 'r-1',
    organizationId: ORG,
    account,
    issuer: 'https://token.actions.githubusercontent.com',
    audiences: ['https://warden.example.com', 'https://warden.example.com'],
    claims: { repository: 'acme/billing', ref: 'refs/heads/main' },
    allowHttpIssuer: false,
    at: T0,
    addedBy: superAdmin,
  };
  const added: OAuthClientEvent = {
    type: 'FederationRuleAdded',
    data: {
      accountId: 'svc-1',
      organizationId: ORG,
      ruleId: 'r-1',
      issuer: 'https://token.actions.githubusercontent.com',
      audiences: ['https://warden.example.com'],
      claims: { repository: 'acme/billing', ref: 'refs/heads/main' },
      addedAt: T0,
    },
  };
  const refusedField = (field: string) => (error: WardenError) => expect(error.errors?.[0]?.field).toBe(field);

  it('are added by a caller who covers the account: a rule hands out its credentials', () => {
    spec.given([]).when(add).then([added]);
    spec.given([]).when({ ...add, addedBy: weakerAdmin }).thenThrows(WardenError, code(CommonErrorCode.Forbidden));
  });

  it('never match every token of an issuer', () => {
    spec.given([]).when({ ...add, claims: {} }).thenThrows(WardenError, refusedField('claims'));
    spec.given([]).when({ ...add, claims: { iss: 'https://token.actions.githubusercontent.com', aud: 'x' } }).thenThrows(WardenError, refusedField('claims'));
    spec.given([]).when({ ...add, audiences: [] }).thenThrows(WardenError, refusedField('audiences'));
  });

  it('trust https issuers only, unless the deployment allows http ones', () => {
    spec.given([]).when({ ...add, issuer: 'http://issuer.internal' }).thenThrows(WardenError, refusedField('issuer'));
    spec.given([]).when({ ...add, issuer: 'http://issuer.internal', allowHttpIssuer: true }).then([{ ...added, data: { ...added.data, issuer: 'http://issuer.internal' } } as OAuthClientEvent]);
    spec.given([]).when({ ...add, issuer: 'https://issuer.example.com/?tenant=1' }).thenThrows(WardenError, refusedField('issuer'));
  });

  it('are not added twice for the same claims, and are removed', () => {
    spec.given([added]).when({ ...add, ruleId: 'r-2' }).thenThrows(WardenError, refusedField('claims'));
    spec.given([added]).when({ type: 'RemoveFederationRule', ruleId: 'r-1', at: T1 }).then([{ type: 'FederationRuleRemoved', data: { accountId: 'svc-1', ruleId: 'r-1', removedAt: T1 } }]);
    spec.given([added]).when({ type: 'RemoveFederationRule', ruleId: 'r-9', at: T1 }).thenThrows(WardenError, code(TokensErrorCode.FederationRuleNotFound));
  });
});
