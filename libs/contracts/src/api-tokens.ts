// API tokens: the bodies of the token routes, the views they answer with, and the subjects
// between the gateway (or any internal caller) and the tokens service.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PrincipalView } from './principal';
import { PageQuery } from './users';

export const TokensSubjects = {
  issue: 'tokens.tokens.issue',
  list: 'tokens.tokens.list',
  get: 'tokens.tokens.get',
  revoke: 'tokens.tokens.revoke',
  rotate: 'tokens.tokens.rotate',
  reassign: 'tokens.tokens.reassign',
  /** Seed 003: a login session key for a long-lived token of the same service account. */
  exchange: 'tokens.tokens.exchange',
  /**
   * Introspection for internal callers (RFC 7662 in spirit): `{token, origin?}` answers a
   * TokenIntrospection, in Nest's packet or as bare JSON for any NATS client. The same
   * verifier as the gateway's; the reason is always given, since only services inside the
   * deployment reach NATS.
   */
  verify: 'tokens.verify',
} as const;

export const TOKEN_VISIBILITIES = ['private', 'public'] as const;
export type TokenVisibility = (typeof TOKEN_VISIBILITIES)[number];
export const TOKEN_STATUSES = ['active', 'revoked', 'expired'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

const MAX_ORIGINS = 50;
/** The longest credential a verification reads: an OAuth access token granted the most permissions fits. */
export const MAX_PRESENTED_TOKEN_LENGTH = 8192;
const MAX_PERMISSIONS = 100;
/** A week: longer than any deployment roll-out needs to pick up a new secret. */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 60 * 60;

/** POST /tokens. Shapes only; the token decider checks the values (origins, expiry, permissions). */
export class IssueTokenBody {
  /** The service account that owns the token (seed 001). */
  @IsDefined() @IsUUID() user_id!: string;
  @IsDefined() @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsIn(TOKEN_VISIBILITIES) visibility?: TokenVisibility;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ORIGINS) @IsString({ each: true }) @MaxLength(2048, { each: true })
  allowed_origins?: string[];
  @IsOptional() @IsISO8601({ strict: true }) expires_at?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_PERMISSIONS) @IsString({ each: true }) @Length(1, 80, { each: true })
  permissions?: string[];
}

export class ListTokensQuery extends PageQuery {
  @IsOptional() @IsUUID() owner?: string;
  @IsOptional() @IsIn(TOKEN_STATUSES) status?: TokenStatus;
}

export interface ListTokensRequest {
  page: number;
  page_size: number;
  owner?: string;
  status?: TokenStatus;
}

export class RotateTokenBody {
  /** How long the old secret keeps working; 0 (the default) ends it at once. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_GRACE_PERIOD_SECONDS) grace_period_seconds?: number;
}

export class ReassignTokenBody {
  @IsDefined() @IsUUID() user_id!: string;
}

export class VerifyTokenBody {
  // An OAuth access token carries its scope: longer than a secret.
  @IsDefined() @IsString() @MaxLength(MAX_PRESENTED_TOKEN_LENGTH) token!: string;
  /** The origin the token was presented from, for a public token. */
  @IsOptional() @IsString() @MaxLength(2048) origin?: string;
}

export interface TokenRequest {
  id: string;
}
export interface RotateTokenRequest {
  id: string;
  grace_period_seconds?: number;
}
export interface ReassignTokenRequest {
  id: string;
  user_id: string;
}

/** A token as listed and read: never its secret. */
export interface TokenSecretView {
  last_four: string;
  issued_at: string;
  valid_until: string | null;
}

export interface TokenView {
  id: string;
  user_id: string;
  organization_id: string;
  name: string;
  visibility: TokenVisibility;
  allowed_origins: string[];
  permissions: string[] | null;
  /** `wdn_p_`: what kind of secret it is. */
  prefix: string;
  /** The last four characters of the current secret, for telling tokens apart. */
  last_four: string;
  /**
   * The secrets that work now, the current one last: a rotation's earlier secret stays here
   * until its grace period ends (`valid_until`; null for the current secret).
   */
  secrets: TokenSecretView[];
  status: TokenStatus;
  enabled: boolean;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  rotated_at: string | null;
}

/** What POST /tokens, rotate and exchange answer: seed 004's `api_token` and the token's view. The secret, once. */
export interface IssuedTokenView extends TokenView {
  token: string;
}

/** Seed 004's `api_token` object, in POST /users for a service account. */
export interface ApiTokenOfNewUser {
  id: string;
  user_id: string;
  name: string;
  token: string;
  enabled: true;
}

/**
 * RFC 7662-style introspection: everything the verifier knows of an active credential's
 * caller, so a service asking over HTTP or NATS decides as one reading Redis would.
 */
export type TokenIntrospection =
  | {
      active: true;
      token_id: string;
      token_type: PrincipalView['credential']['kind'];
      user_id: string;
      organization_id: string;
      account_type: PrincipalView['accountType'];
      roles: string[];
      teams: string[];
      /** The caller's effective permissions (a narrowed token's already intersected). */
      permissions: PrincipalView['permissions'];
      is_super_admin: boolean;
      platform_admin: boolean;
      /** RFC 7662's `scope`: the permissions an API token was narrowed to (an access token granted), space-separated; absent when it holds its owner's. */
      scope?: string;
      expires_at: string | null;
    }
  | { active: false; reason?: string };

export interface VerifyTokenRequest {
  token: string;
  origin?: string;
}

/** POST /auth/token (seed 003): no body; the presented login key is what is exchanged. */
export interface ExchangeTokenRequest {
  name?: string;
}
