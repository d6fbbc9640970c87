import { Principal, mayObtainCredential, principalOf } from '@warden/access';
import { CommonErrorCode, KEY_ALGORITHMS, KeyAlgorithm, MAX_GRACE_PERIOD_SECONDS, TokensErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';
import { TokenOwner } from './token.decider';

// A service account as an OAuth 2.0 client (RFC 6749 §4.4): its `client_id` is the
// account's id, and it authenticates at the token endpoint with a client secret (shown once,
// only its SHA-256 recorded, rotated with a grace period like an API token's) or with a key
// pair whose public half it registered here (private_key_jwt, RFC 7523). Access tokens are
// not recorded one by one (they are derived from a grant; see the contracts' access-tokens),
// but revoking one is: the verifier reads the revocation in this account's record.
//
// Making a client credential is obtaining a credential of the account: the caller must
// cover the account (the access library's mayObtainCredential), as for an API token.

export const oauthClientStreamId = (accountId: string) => `oauth-client-${accountId}`;
export const OAUTH_CLIENT_STREAM_PREFIX = 'oauth-client-';

export type OAuthClientCommand =
  | {
      type: 'AddClientSecret';
      secretId: string;
      /** The organization the caller acts in. */
      organizationId: string;
      /** null: no account with that id. */
      account: TokenOwner | null;
      secretHash: string;
      lastFour: string;
      at: string;
      addedBy: Principal;
    }
  | {
      type: 'RotateClientSecret';
      secretId: string;
      newSecretId: string;
      secretHash: string;
      lastFour: string;
      gracePeriodSeconds: number;
      account: TokenOwner | null;
      at: string;
      rotatedBy: Principal;
    }
  | { type: 'RevokeClientSecret'; secretId: string; at: string }
  | {
      type: 'RegisterKey';
      keyId: string;
      organizationId: string;
      account: TokenOwner | null;
      algorithm: string;
      /** The public JWK as given (its id and algorithm already taken out by the caller). */
      publicJwk: Record<string, unknown>;
      expiresAt: string | null;
      at: string;
      registeredBy: Principal;
    }
  | { type: 'DeleteKey'; keyId: string; at: string }
  | {
      type: 'AddFederationRule';
      ruleId: string;
      organizationId: string;
      account: TokenOwner | null;
      issuer: string;
      audiences: string[];
      claims: Record<string, string>;
      /** Whether `http:` issuers are taken (a deployment's own test issuers); otherwise https only. */
      allowHttpIssuer: boolean;
      at: string;
      addedBy: Principal;
    }
  | { type: 'RemoveFederationRule'; ruleId: string; at: string }
  | { type: 'RevokeAccessToken'; grantId: string; expiresAt: string; at: string };

export interface ClientSecretAdded {
  type: 'ClientSecretAdded';
  data: { accountId: string; organizationId: string; secretId: string; secretHash: string; lastFour: string; addedAt: string };
}
/** A client secret revoked, or rotated out: it works until `validUntil` (its revocation time when there is no grace). */
export interface ClientSecretRevoked {
  type: 'ClientSecretRevoked';
  data: { accountId: string; secretId: string; validUntil: string; revokedAt: string };
}
export interface ServiceAccountKeyRegistered {
  type: 'ServiceAccountKeyRegistered';
  data: {
    accountId: string;
    organizationId: string;
    keyId: string;
    algorithm: KeyAlgorithm;
    publicJwk: Record<string, string>;
    expiresAt: string | null;
    registeredAt: string;
  };
}
export interface ServiceAccountKeyDeleted {
  type: 'ServiceAccountKeyDeleted';
  data: { accountId: string; keyId: string; deletedAt: string };
}
/**
 * Workload identity federation: a JWT from `issuer` (its keys found through its discovery
 * document), for one of `audiences`, whose claims hold every value of `claims`, may be
 * exchanged for an access token of this account. Nothing secret is recorded.
 */
export interface FederationRuleAdded {
  type: 'FederationRuleAdded';
  data: { accountId: string; organizationId: string; ruleId: string; issuer: string; audiences: string[]; claims: Record<string, string>; addedAt: string };
}
export interface FederationRuleRemoved {
  type: 'FederationRuleRemoved';
  data: { accountId: string; ruleId: string; removedAt: string };
}
/** RFC 7009: one access token revoked before its expiry. */
export interface AccessTokenRevoked {
  type: 'AccessTokenRevoked';
  data: { accountId: string; grantId: string; expiresAt: string; revokedAt: string };
}

export type OAuthClientEvent =
  | ClientSecretAdded
  | ClientSecretRevoked
  | ServiceAccountKeyRegistered
  | ServiceAccountKeyDeleted
  | FederationRuleAdded
  | FederationRuleRemoved
  | AccessTokenRevoked;

export interface ClientSecret {
  id: string;
  hash: string;
  lastFour: string;
  addedAt: string;
  /** null while current; the end of its grace once rotated out or revoked. */
  validUntil: string | null;
  revokedAt: string | null;
}

export interface ServiceAccountKey {
  id: string;
  algorithm: KeyAlgorithm;
  publicJwk: Record<string, string>;
  expiresAt: string | null;
  registeredAt: string;
}

export interface FederationRule {
  id: string;
  issuer: string;
  audiences: string[];
  claims: Record<string, string>;
  addedAt: string;
}

export interface OAuthClient {
  status: 'active';
  accountId: string;
  organizationId: string;
  secrets: ClientSecret[];
  keys: ServiceAccountKey[];
  rules: FederationRule[];
  /** Access tokens revoked one by one, with when each would have expired. */
  revokedGrants: { grantId: string; expiresAt: string }[];
}

export type OAuthClientState = { status: 'absent' } | OAuthClient;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// Members that only a private or symmetric JWK has: such a key is never taken.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const PUBLIC_MEMBERS: Readonly<Record<KeyAlgorithm, { kty: string; members: readonly string[]; crv?: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'] },
  RS256: { kty: 'RSA', members: ['n', 'e'] },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'] },
};
const MIN_RSA_MODULUS_BITS = 2048;
const MAX_AUDIENCES = 10;
const MAX_RULE_CLAIMS = 10;
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const CLAIMS_NOT_NARROWING = ['iss', 'aud', 'exp', 'iat', 'nbf', 'jti'];

const sameClaims = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([name, value]) => b[name] === value);

/** An issuer identifier (OpenID Connect Discovery §2): an https URL without query or fragment; http only where allowed. */
function issuerOf(input: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw fieldError(CommonErrorCode.ValidationFailed, 'issuer', 'must be a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw fieldError(CommonErrorCode.ValidationFailed, 'issuer', 'must be an https URL');
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') throw fieldError(CommonErrorCode.ValidationFailed, 'issuer', 'must have no query, fragment or user');
  // Compared with a token's iss exactly as given (a trailing slash is part of it).
  return input;
}

const fieldError = (code: TokensErrorCode | CommonErrorCode, field: string, message: string) => new WardenError(code, `${field} ${message}`, [{ field, message }]);
const forbidden = (reason: string) => new WardenError(CommonErrorCode.Forbidden, reason);
const secretNotFound = (secretId: string) => new WardenError(TokensErrorCode.ClientSecretNotFound, `client secret ${secretId} does not exist`);

/** An OAuth client is a service account of the caller's organization, active (as a token's owner). */
function assertClientAccount(account: TokenOwner | null, organizationId: string): TokenOwner {
  // Another organization's account is refused in the very words of an unknown one.
  if (!account || account.organizationId !== organizationId) {
    throw fieldError(TokensErrorCode.InvalidOAuthClient, 'user_id', 'is not a service account of the organization');
  }
  if (account.accountType !== 'service_internal' && account.accountType !== 'service_external') {
    throw fieldError(TokensErrorCode.InvalidOAuthClient, 'user_id', 'must be a service account: only service accounts are OAuth clients');
  }
  if (account.status !== 'active') throw fieldError(TokensErrorCode.InvalidOAuthClient, 'user_id', `is ${account.status}`);
  return account;
}

/** Whoever makes a client credential holds the account's power through it: it must cover the account. */
function assertMayObtain(caller: Principal, account: TokenOwner): void {
  const decision = mayObtainCredential(caller, principalOf(account), null);
  if (!decision.allowed) throw forbidden(decision.reason);
}

/** The public members of a JWK for `algorithm`, or why it is refused. Pure shape checks; the service also imports it with jose. */
export function publicKeyOf(jwk: Record<string, unknown>, algorithm: string): { ok: true; algorithm: KeyAlgorithm; publicJwk: Record<string, string> } | { ok: false; reason: string } {
  if (!(KEY_ALGORITHMS as readonly string[]).includes(algorithm)) return { ok: false, reason: `alg must be one of ${KEY_ALGORITHMS.join(', ')}` };
  const alg = algorithm as KeyAlgorithm;
  const present = PRIVATE_MEMBERS.find((member) => Object.hasOwn(jwk, member));
  if (present !== undefined) return { ok: false, reason: `holds the private member "${present}": register the public key only` };
  const expected = PUBLIC_MEMBERS[alg];
  if (jwk['kty'] !== expected.kty) return { ok: false, reason: `kty must be ${expected.kty} for ${alg}` };
  if (expected.crv !== undefined && jwk['crv'] !== expected.crv) return { ok: false, reason: `crv must be ${expected.crv} for ${alg}` };
  const publicJwk: Record<string, string> = { kty: expected.kty };
  for (const member of expected.members) {
    const value = jwk[member];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return { ok: false, reason: `"${member}" must be a base64url string` };
    publicJwk[member] = value;
  }
  if (alg === 'RS256' && Buffer.from(publicJwk['n']!, 'base64url').length * 8 < MIN_RSA_MODULUS_BITS) {
    return { ok: false, reason: `an RSA modulus must have at least ${MIN_RSA_MODULUS_BITS} bits` };
  }
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return { ok: false, reason: 'use must be sig' };
  return { ok: true, algorithm: alg, publicJwk };
}

function newSecret(state: OAuthClientState, secretId: string, secretHash: string): void {
  if (!SHA256_HEX.test(secretHash)) throw new RangeError('secretHash must be a SHA-256 in lowercase hex');
  if (state.status === 'active' && state.secrets.some((secret) => secret.id === secretId)) throw new RangeError(`client secret ${secretId} already exists`);
}

function decide(command: OAuthClientCommand, state: OAuthClientState): OAuthClientEvent[] {
  switch (command.type) {
    case 'AddClientSecret': {
      const account = assertClientAccount(command.account, command.organizationId);
      if (state.status === 'active' && state.accountId !== account.userId) throw new RangeError('the stream belongs to another account');
      assertMayObtain(command.addedBy, account);
      newSecret(state, command.secretId, command.secretHash);
      return [
        {
          type: 'ClientSecretAdded',
          data: {
            accountId: account.userId,
            organizationId: account.organizationId,
            secretId: command.secretId,
            secretHash: command.secretHash,
            lastFour: command.lastFour,
            addedAt: command.at,
          },
        },
      ];
    }
    case 'RotateClientSecret': {
      if (state.status === 'absent') throw secretNotFound(command.secretId);
      const old = state.secrets.find((secret) => secret.id === command.secretId);
      if (!old) throw secretNotFound(command.secretId);
      if (old.validUntil !== null) throw new WardenError(TokensErrorCode.ClientSecretNotActive, 'a client secret rotated out or revoked cannot be rotated');
      const grace = command.gracePeriodSeconds;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_SECONDS) {
        throw fieldError(TokensErrorCode.InvalidGracePeriod, 'grace_period_seconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS}`);
      }
      // The rotator receives the new secret: it is obtaining a credential of the account.
      const account = assertClientAccount(command.account, state.organizationId);
      if (account.userId !== state.accountId) throw new RangeError('the stream belongs to another account');
      assertMayObtain(command.rotatedBy, account);
      newSecret(state, command.newSecretId, command.secretHash);
      return [
        {
          type: 'ClientSecretAdded',
          data: {
            accountId: state.accountId,
            organizationId: state.organizationId,
            secretId: command.newSecretId,
            secretHash: command.secretHash,
            lastFour: command.lastFour,
            addedAt: command.at,
          },
        },
        {
          type: 'ClientSecretRevoked',
          data: { accountId: state.accountId, secretId: old.id, validUntil: new Date(Date.parse(command.at) + grace * 1000).toISOString(), revokedAt: command.at },
        },
      ];
    }
    case 'RevokeClientSecret': {
      if (state.status === 'absent') throw secretNotFound(command.secretId);
      const secret = state.secrets.find((candidate) => candidate.id === command.secretId);
      if (!secret) throw secretNotFound(command.secretId);
      // Revoked already, at once: done. One still in a rotation's grace ends now.
      if (secret.validUntil !== null && Date.parse(secret.validUntil) <= Date.parse(command.at)) return [];
      return [{ type: 'ClientSecretRevoked', data: { accountId: state.accountId, secretId: secret.id, validUntil: command.at, revokedAt: command.at } }];
    }
    case 'RegisterKey': {
      const account = assertClientAccount(command.account, command.organizationId);
      if (state.status === 'active' && state.accountId !== account.userId) throw new RangeError('the stream belongs to another account');
      if (!KEY_ID.test(command.keyId)) throw fieldError(TokensErrorCode.InvalidServiceAccountKey, 'jwk.kid', 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-"');
      if (state.status === 'active' && state.keys.some((key) => key.id === command.keyId)) {
        throw fieldError(TokensErrorCode.InvalidServiceAccountKey, 'jwk.kid', 'is already the id of a key of this account');
      }
      const checked = publicKeyOf(command.publicJwk, command.algorithm);
      if (!checked.ok) throw fieldError(TokensErrorCode.InvalidServiceAccountKey, 'jwk', checked.reason);
      if (command.expiresAt !== null && !(Date.parse(command.expiresAt) > Date.parse(command.at))) {
        throw fieldError(CommonErrorCode.ValidationFailed, 'expires_at', 'must be in the future');
      }
      assertMayObtain(command.registeredBy, account);
      return [
        {
          type: 'ServiceAccountKeyRegistered',
          data: {
            accountId: account.userId,
            organizationId: account.organizationId,
            keyId: command.keyId,
            algorithm: checked.algorithm,
            publicJwk: checked.publicJwk,
            expiresAt: command.expiresAt === null ? null : new Date(command.expiresAt).toISOString(),
            registeredAt: command.at,
          },
        },
      ];
    }
    case 'DeleteKey': {
      if (state.status === 'absent' || !state.keys.some((key) => key.id === command.keyId)) {
        throw new WardenError(TokensErrorCode.ServiceAccountKeyNotFound, `key ${command.keyId} does not exist`);
      }
      return [{ type: 'ServiceAccountKeyDeleted', data: { accountId: state.accountId, keyId: command.keyId, deletedAt: command.at } }];
    }
    case 'AddFederationRule': {
      const account = assertClientAccount(command.account, command.organizationId);
      if (state.status === 'active' && state.accountId !== account.userId) throw new RangeError('the stream belongs to another account');
      const issuer = issuerOf(command.issuer, command.allowHttpIssuer);
      if (command.audiences.length === 0 || command.audiences.length > MAX_AUDIENCES || command.audiences.some((audience) => audience.length === 0 || audience.length > 512)) {
        throw fieldError(CommonErrorCode.ValidationFailed, 'audiences', `must list 1 to ${MAX_AUDIENCES} audiences of 1 to 512 characters`);
      }
      const claims = Object.entries(command.claims);
      if (claims.length === 0 || claims.length > MAX_RULE_CLAIMS) {
        throw fieldError(CommonErrorCode.ValidationFailed, 'claims', `must name 1 to ${MAX_RULE_CLAIMS} claims: a rule that matches every token of the issuer is refused`);
      }
      const claimName = claims.find(([name, value]) => !CLAIM_NAME.test(name) || typeof value !== 'string' || value.length === 0 || value.length > 512);
      if (claimName !== undefined) throw fieldError(CommonErrorCode.ValidationFailed, `claims.${claimName[0]}`, 'must be a claim name with a non-empty string value');
      // A rule on the issuer alone, or on a claim any token of it has the same, would let every workload of the issuer in.
      if (!claims.some(([name]) => !CLAIMS_NOT_NARROWING.includes(name))) {
        throw fieldError(CommonErrorCode.ValidationFailed, 'claims', 'must name a claim that tells workloads apart (sub, repository, ...), not only iss or aud');
      }
      if (state.status === 'active' && state.rules.some((rule) => rule.issuer === issuer && sameClaims(rule.claims, command.claims))) {
        throw fieldError(CommonErrorCode.ValidationFailed, 'claims', 'the account has a rule for exactly these claims of this issuer already');
      }
      assertMayObtain(command.addedBy, account);
      const audiences = [...new Set(command.audiences)];
      return [
        {
          type: 'FederationRuleAdded',
          data: { accountId: account.userId, organizationId: account.organizationId, ruleId: command.ruleId, issuer, audiences, claims: { ...command.claims }, addedAt: command.at },
        },
      ];
    }
    case 'RemoveFederationRule': {
      if (state.status === 'absent' || !state.rules.some((rule) => rule.id === command.ruleId)) {
        throw new WardenError(TokensErrorCode.FederationRuleNotFound, `federation rule ${command.ruleId} does not exist`);
      }
      return [{ type: 'FederationRuleRemoved', data: { accountId: state.accountId, ruleId: command.ruleId, removedAt: command.at } }];
    }
    case 'RevokeAccessToken': {
      if (state.status === 'absent') return [];
      // An expired token needs no revocation, and one revoked already is done (RFC 7009 §2.2: 200 either way).
      if (!(Date.parse(command.expiresAt) > Date.parse(command.at))) return [];
      if (state.revokedGrants.some((grant) => grant.grantId === command.grantId)) return [];
      return [{ type: 'AccessTokenRevoked', data: { accountId: state.accountId, grantId: command.grantId, expiresAt: command.expiresAt, revokedAt: command.at } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

const emptyClient = (accountId: string, organizationId: string): OAuthClient => ({ status: 'active', accountId, organizationId, secrets: [], keys: [], rules: [], revokedGrants: [] });

function evolve(state: OAuthClientState, event: OAuthClientEvent): OAuthClientState {
  switch (event.type) {
    case 'ClientSecretAdded': {
      const { accountId, organizationId, secretId, secretHash, lastFour, addedAt } = event.data;
      const client = state.status === 'absent' ? emptyClient(accountId, organizationId) : state;
      return { ...client, secrets: [...client.secrets, { id: secretId, hash: secretHash, lastFour, addedAt, validUntil: null, revokedAt: null }] };
    }
    case 'ServiceAccountKeyRegistered': {
      const { accountId, organizationId, keyId, algorithm, publicJwk, expiresAt, registeredAt } = event.data;
      const client = state.status === 'absent' ? emptyClient(accountId, organizationId) : state;
      return { ...client, keys: [...client.keys, { id: keyId, algorithm, publicJwk, expiresAt, registeredAt }] };
    }
    case 'FederationRuleAdded': {
      const { accountId, organizationId, ruleId, issuer, audiences, claims, addedAt } = event.data;
      const client = state.status === 'absent' ? emptyClient(accountId, organizationId) : state;
      return { ...client, rules: [...client.rules, { id: ruleId, issuer, audiences, claims, addedAt }] };
    }
    default:
      break;
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'ClientSecretRevoked': {
      const { secretId, validUntil, revokedAt } = event.data;
      return { ...state, secrets: state.secrets.map((secret) => (secret.id === secretId ? { ...secret, validUntil, revokedAt } : secret)) };
    }
    case 'ServiceAccountKeyDeleted':
      return { ...state, keys: state.keys.filter((key) => key.id !== event.data.keyId) };
    case 'FederationRuleRemoved':
      return { ...state, rules: state.rules.filter((rule) => rule.id !== event.data.ruleId) };
    case 'AccessTokenRevoked': {
      const { grantId, expiresAt, revokedAt } = event.data;
      // Revocations of tokens expired by now are dropped: from the events' own time, never the clock.
      const kept = state.revokedGrants.filter((grant) => Date.parse(grant.expiresAt) > Date.parse(revokedAt));
      return { ...state, revokedGrants: [...kept, { grantId, expiresAt }] };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const oauthClientEventUpcasters: EventUpcasters<OAuthClientEvent> = {
  ClientSecretAdded: [],
  ClientSecretRevoked: [],
  ServiceAccountKeyRegistered: [],
  ServiceAccountKeyDeleted: [],
  FederationRuleAdded: [],
  FederationRuleRemoved: [],
  AccessTokenRevoked: [],
};

export const oauthClientDecider: Decider<OAuthClientCommand, OAuthClientEvent, OAuthClientState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'absent' }),
  upcasters: oauthClientEventUpcasters,
};
