// OAuth 2.0 for service accounts: the client credentials an account authenticates with at
// the token endpoint (client secrets, public keys, federation rules), the record the
// verifiers read of them, the subjects between the gateway and the tokens service, and the
// shapes of the /oauth2 answers (RFC 6749, 7662, 7009, 8414).
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsISO8601, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_GRACE_PERIOD_SECONDS } from './api-tokens';
import { PermissionScope, PrincipalAccountType, PrincipalView } from './principal';

export const OAuthSubjects = {
  /** The token endpoint: payload `TokenEndpointRequest`, answers `TokenEndpointAnswer`. */
  token: 'tokens.oauth.token',
  /** A client authenticating at introspection or revocation: payload `TokenEndpointRequest`, answers `ClientAuthenticationAnswer`. */
  authenticateClient: 'tokens.oauth.authenticate-client',
  /** RFC 7009: payload `RevokeAccessTokenRequest` (the caller authenticated), answers `{}`. */
  revoke: 'tokens.oauth.revoke',
  /** The account's OAuth client: payload `{userId}`, answers `OAuthClientView`. */
  client: 'tokens.oauth.client',
  addClientSecret: 'tokens.oauth.client-secrets.add',
  rotateClientSecret: 'tokens.oauth.client-secrets.rotate',
  revokeClientSecret: 'tokens.oauth.client-secrets.revoke',
  registerKey: 'tokens.oauth.keys.register',
  deleteKey: 'tokens.oauth.keys.delete',
  addFederationRule: 'tokens.oauth.federation-rules.add',
  removeFederationRule: 'tokens.oauth.federation-rules.remove',
} as const;

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER_CLIENT_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** RFC 8693 token types a workload may present, and the one Warden issues. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** How a client authenticated at the token endpoint (RFC 8414's names). */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const CLIENT_AUTHENTICATION_METHODS: readonly ClientAuthenticationMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** The JWS algorithms a service account's key may use. */
export const KEY_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Longest a client assertion may live between `iat` and `exp` (RFC 7523 asks for a short one). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Lifetime of an access token when the organization sets none. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 900;
/** The bounds of an organization's access_token_lifetime_seconds. */
export const MIN_ACCESS_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/**
 * Redis key (after REDIS_KEY_PREFIX, inside the credential read model's generation) of a
 * service account's OAuth client record. The verifier reads it, with the account's
 * principal record and its organization's policy, in the one round trip of a verification.
 */
export const oauthClientKey = (accountId: string) => `credential:client:${accountId}`;

/** JSON value at `oauthClientKey(accountId)`: every client credential of the account that may still work. */
export interface OAuthClientRecord {
  kind: 'oauth_client';
  // userId and organizationId first: the verification script takes the first of each.
  userId: string;
  organizationId: string;
  credentialId: string;
  status: 'active';
  expiresAt: null;
  /** Client secrets by SHA-256; `validUntil` set on one rotated out or revoked (its grace). */
  secrets: { id: string; hash: string; validUntil: string | null }[];
  /** Public keys (JWK) for private_key_jwt. */
  keys: { id: string; algorithm: KeyAlgorithm; jwk: Record<string, unknown>; expiresAt: string | null }[];
  /** Workload identity federation: which external tokens may be exchanged for this account's. */
  rules: { id: string; issuer: string; audiences: string[]; claims: Record<string, string> }[];
  /** Access tokens revoked one by one (RFC 7009), until they would have expired: grant id -> expiry. */
  revokedGrants: Record<string, string>;
}

/**
 * Redis key (after REDIS_KEY_PREFIX) where a client assertion's `jti` is remembered until
 * its `exp`, so that it is accepted once.
 */
export const assertionJtiKey = (accountId: string, jti: string) => `oauth:assertion-jti:${accountId}:${jti}`;

/** What the gateway passes on of a token request: the form as sent, and what the transport says. */
export interface TokenEndpointRequest {
  form: Record<string, string>;
  /** The `Authorization` header, for client_secret_basic. */
  authorization?: string;
  /** What a client assertion may name as its audience: the issuer identifier, the token endpoint, the endpoint asked. */
  audiences: string[];
}

/** A client authenticated as its account (the principal, through its client secret or key), or refused. */
export type ClientAuthenticationAnswer = { ok: true; principal: PrincipalView } | { ok: false; status: 400 | 401; body: OAuthErrorAnswer };

/** RFC 6749 §5.1 (and RFC 8693 §2.2.1's `issued_token_type` for a token exchange). */
export class AccessTokenAnswer {
  /** Opaque (`wdn_at_...`): present it as `Authorization: Bearer <token>`. */
  access_token!: string;
  token_type!: 'Bearer';
  /** Seconds it lives from now. */
  expires_in!: number;
  /** The permissions it holds, space-separated (what was asked for, within the account's). */
  scope!: string;
  /** For a token exchange (RFC 8693): what was issued. */
  issued_token_type?: 'urn:ietf:params:oauth:token-type:access_token';
}

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unsupported_token_type';

/** RFC 6749 §5.2. */
export class OAuthErrorAnswer {
  error!: OAuthErrorCode;
  /** For people; never says which of a client's secret, key or account was wrong. */
  error_description!: string;
}

/** The token endpoint's answer over NATS: RFC 6749's body and the HTTP status it goes out with. */
export type TokenEndpointAnswer = { status: 200; body: AccessTokenAnswer } | { status: 400 | 401; body: OAuthErrorAnswer };

export interface RevokeAccessTokenRequest {
  token: string;
}

/**
 * RFC 7662's answer for a token that works: its members (`scope`: what the token may do,
 * space-separated; `token_type` Bearer), with Warden's introspection beside them
 * (`token_kind`: what it is).
 */
export class ActiveOAuthIntrospection {
  active!: true;
  token_id!: string;
  token_type!: 'Bearer';
  /** What the credential is: an OAuth access token, an API token or a login session key. */
  token_kind!: 'access_token' | 'api_token' | 'session';
  scope!: string;
  /** The service account (or user) it stands for. */
  client_id!: string;
  sub!: string;
  user_id!: string;
  organization_id!: string;
  account_type!: PrincipalAccountType;
  roles!: string[];
  teams!: string[];
  permissions!: Record<string, PermissionScope>;
  is_super_admin!: boolean;
  platform_admin!: boolean;
  expires_at!: string | null;
  /** Seconds since the epoch. */
  exp?: number;
  /** Seconds since the epoch (access tokens). */
  iat?: number;
}

/** RFC 7662's answer for any token that does not work, or is another organization's. */
export class InactiveOAuthIntrospection {
  active!: false;
}

export type OAuthIntrospection = ActiveOAuthIntrospection | InactiveOAuthIntrospection;

/** Routes where an OAuth client may authenticate with its client secret or key instead of a bearer credential. */
export const CLIENT_AUTHENTICATED_ROUTES: ReadonlySet<string> = new Set(['POST /oauth2/introspect', 'POST /oauth2/revoke']);

/** RFC 8414: the authorization server's metadata. */
export class AuthorizationServerMetadata {
  issuer!: string;
  token_endpoint!: string;
  introspection_endpoint!: string;
  revocation_endpoint!: string;
  grant_types_supported!: string[];
  token_endpoint_auth_methods_supported!: ClientAuthenticationMethod[];
  /** The keys' algorithms, and Ed25519 (RFC 9864) for EdDSA keys. */
  token_endpoint_auth_signing_alg_values_supported!: string[];
  introspection_endpoint_auth_methods_supported!: string[];
  revocation_endpoint_auth_methods_supported!: string[];
  /** Empty: machines only, no authorization endpoint. */
  response_types_supported!: string[];
}

export class RotateClientSecretBody {
  /** How long the old secret keeps working; 0 (the default) ends it at once. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_GRACE_PERIOD_SECONDS) grace_period_seconds?: number;
}

export class RegisterKeyBody {
  /** The public key, as a JWK (`kty`, `alg` ES256, RS256 or EdDSA, and its public members; `kid` optional). */
  @IsDefined() @IsObject() jwk!: Record<string, unknown>;
  @IsOptional() @IsISO8601({ strict: true }) expires_at?: string;
}

export class AddFederationRuleBody {
  /** The issuer identifier, exactly as its tokens' `iss` (https; its keys are found through its discovery document). */
  @IsDefined() @IsString() @Length(1, 512) issuer!: string;
  /** The `aud` values accepted (one of them must be in the token's). */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @IsString({ each: true }) @Length(1, 512, { each: true }) audiences!: string[];
  /** Claims the token must hold, each with exactly this value (`sub`, `repository`, `ref`, ...). */
  @IsDefined() @IsObject() claims!: Record<string, string>;
}

export class FederationRuleView {
  id!: string;
  issuer!: string;
  audiences!: string[];
  /** Claims a workload token must hold, each with exactly this value. */
  claims!: Record<string, string>;
  created_at!: string;
}

export interface AccountRequest {
  userId: string;
}

/** A client secret as listed: never the secret. */
export class ClientSecretView {
  id!: string;
  /** `wdn_c_`: what kind of secret it is. */
  prefix!: string;
  last_four!: string;
  created_at!: string;
  /** When a rotated-out or revoked secret stops working; null while it is current. */
  valid_until!: string | null;
  status!: 'active' | 'ending' | 'revoked';
}

/** What adding or rotating a client secret answers: the secret, once. */
export class IssuedClientSecretView extends ClientSecretView {
  /** The account's id. */
  client_id!: string;
  /** The secret: shown in this answer only. */
  client_secret!: string;
}

export class ServiceAccountKeyView {
  id!: string;
  algorithm!: KeyAlgorithm;
  /** The public key as registered (never a private member). */
  jwk!: Record<string, unknown>;
  registered_at!: string;
  expires_at!: string | null;
  status!: 'active' | 'expired';
}

/** A service account's side of OAuth: its `client_id` and every client credential it has. */
export class OAuthClientView {
  client_id!: string;
  organization_id!: string;
  client_secrets!: ClientSecretView[];
  keys!: ServiceAccountKeyView[];
  federation_rules!: FederationRuleView[];
}
