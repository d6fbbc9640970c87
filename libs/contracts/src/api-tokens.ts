// API tokens: the bodies of the token routes, the views they answer with, and the subjects
// between the gateway (or any internal caller) and the tokens service.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsIP,
  IsObject,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Pagination } from './pagination';
import { PermissionScope, PrincipalAccountType } from './principal';
import { PageQuery } from './users';

export const TokensSubjects = {
  issue: 'tokens.tokens.issue',
  list: 'tokens.tokens.list',
  get: 'tokens.tokens.get',
  revoke: 'tokens.tokens.revoke',
  rotate: 'tokens.tokens.rotate',
  reassign: 'tokens.tokens.reassign',
  /** Changes a token's description, metadata or usage policy. */
  update: 'tokens.tokens.update',
  /** A service account's login session key for a long-lived token of the same service account. */
  exchange: 'tokens.tokens.exchange',
  /**
   * Introspection for internal callers (RFC 7662 in spirit): `{token, origin?}` answers a
   * TokenIntrospection, in Nest's packet or as bare JSON for any NATS client. The same
   * verifier as the gateway's; the reason is always given, since only services inside the
   * deployment reach NATS.
   */
  verify: 'tokens.verify',
  disable: 'tokens.tokens.disable',
  enable: 'tokens.tokens.enable',
  /** An authenticated caller reports a Warden token it found exposed. */
  reportLeaked: 'tokens.tokens.report-leaked',
  /** A secret scanner's alert (its raw body and signature headers), relayed by the gateway unauthenticated. */
  scannerAlert: 'tokens.secret-scanning.alert',
} as const;

export const TOKEN_VISIBILITIES = ['private', 'public'] as const;
export type TokenVisibility = (typeof TOKEN_VISIBILITIES)[number];
/**
 * What a token's verification would decide now: `disabled` (switched off without being
 * revoked) and `owner_inactive` (its service account deactivated, deleted or made a human
 * account) are as shown by get and list as by a refusal.
 */
export const TOKEN_STATUSES = ['active', 'revoked', 'expired', 'disabled', 'owner_inactive'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

const MAX_ORIGINS = 50;
/** The longest credential a verification reads: an OAuth access token granted the most permissions fits. */
export const MAX_PRESENTED_TOKEN_LENGTH = 8192;
const MAX_PERMISSIONS = 100;
/** A week: longer than any deployment roll-out needs to pick up a new secret. */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 60 * 60;

export class TokenRateLimitBody {
  @IsDefined() @IsInt() @Min(1) @Max(1_000_000) limit!: number;
  @IsDefined() @IsInt() @Min(1) @Max(86_400) window_seconds!: number;
}

export class TokenCreditsRefillBody {
  /** The credits are topped up to this many... */
  @IsDefined() @IsInt() @Min(1) @Max(1_000_000_000) amount!: number;
  /** ...every this many seconds from when they were set. */
  @IsDefined() @IsInt() @Min(1) @Max(366 * 86_400) interval_seconds!: number;
}

export class TokenCreditsBody {
  @IsDefined() @IsInt() @Min(0) @Max(1_000_000_000) remaining!: number;
  @IsOptional() @ValidateNested() @Type(() => TokenCreditsRefillBody) refill?: TokenCreditsRefillBody | null;
}

/** POST /tokens. Shapes only; the token decider checks the values (origins, expiry, permissions). */
export class IssueTokenBody {
  /** The service account that owns the token (tokens belong only to service accounts). */
  @IsDefined() @IsUUID() user_id!: string;
  @IsDefined() @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsIn(TOKEN_VISIBILITIES) visibility?: TokenVisibility;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_ORIGINS) @IsString({ each: true }) @MaxLength(2048, { each: true })
  allowed_origins?: string[];
  @IsOptional() @IsISO8601({ strict: true }) expires_at?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_PERMISSIONS) @IsString({ each: true }) @Length(1, 80, { each: true })
  permissions?: string[];
  /** What the token is for, shown in get and list. */
  @IsOptional() @IsString() @MaxLength(500) description?: string;
  /** String key-value pairs of yours (at most 20 keys of up to 64 characters, values up to 512), shown in get and list. */
  @IsOptional() @IsObject() metadata?: Record<string, string>;
  /** IPv4 and IPv6 addresses and CIDR blocks the token works from (the client address, see TRUSTED_PROXIES); absent or empty: anywhere. */
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(64, { each: true })
  allowed_ips?: string[];
  /** At most `limit` requests per window of `window_seconds`; past it, 429 until the window ends. */
  @IsOptional() @ValidateNested() @Type(() => TokenRateLimitBody) rate_limit?: TokenRateLimitBody;
  /** Uses left, one taken by each request it authenticates; at 0 it is refused (`credits_exhausted`). */
  @IsOptional() @ValidateNested() @Type(() => TokenCreditsBody) credits?: TokenCreditsBody;
}

/**
 * PATCH /tokens/:id: the fields given change, the others stay; null removes a limit (or the
 * description). Setting `credits` starts the count again at `remaining`.
 */
export class UpdateTokenBody {
  @IsOptional() @IsString() @MaxLength(500) description?: string | null;
  @IsOptional() @IsObject() metadata?: Record<string, string>;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(64, { each: true })
  allowed_ips?: string[];
  @IsOptional() @ValidateNested() @Type(() => TokenRateLimitBody) rate_limit?: TokenRateLimitBody | null;
  @IsOptional() @ValidateNested() @Type(() => TokenCreditsBody) credits?: TokenCreditsBody | null;
}

export interface UpdateTokenRequest extends UpdateTokenBody {
  id: string;
}

/** PATCH /tokens/:id bodies: the API description's examples. */
export const UPDATE_TOKEN_BODY_EXAMPLES: Record<string, { value: UpdateTokenBody }> = {
  'only from the office network, 100 requests a minute, 10 000 uses a day': {
    value: {
      allowed_ips: ['203.0.113.0/24', '2001:db8::/32'],
      rate_limit: { limit: 100, window_seconds: 60 },
      credits: { remaining: 10_000, refill: { amount: 10_000, interval_seconds: 86_400 } },
    },
  },
  'no rate limit any more': { value: { rate_limit: null } },
};

/** POST /tokens bodies as integrators send them: the API description's examples. */
export const ISSUE_TOKEN_BODY_EXAMPLES: Record<string, { value: IssueTokenBody }> = {
  'a token for a service account, usable from one origin': {
    value: {
      user_id: '5e0bd5fe-117f-4049-b686-1548b1ee5e14',
      name: 'DocuSign Connect',
      visibility: 'public',
      allowed_origins: ['https://shop.example.com'],
      expires_at: '2030-01-01T00:00:00Z',
      permissions: ['users:read'],
    },
  },
};

/** A duration as `expiring_within` takes it: a whole number and a unit (d, h, m, s). */
export const EXPIRING_WITHIN_PATTERN = /^[1-9][0-9]{0,5}[dhms]$/;
const DURATION_UNIT_SECONDS: Readonly<Record<string, number>> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** `7d` in seconds; null for anything EXPIRING_WITHIN_PATTERN refuses. */
export function durationSeconds(text: string): number | null {
  if (!EXPIRING_WITHIN_PATTERN.test(text)) return null;
  return Number(text.slice(0, -1)) * DURATION_UNIT_SECONDS[text.slice(-1)]!;
}

export class ListTokensQuery extends PageQuery {
  @IsOptional() @IsUUID() owner?: string;
  @IsOptional() @IsIn(TOKEN_STATUSES) status?: TokenStatus;
  /** Only the tokens that work now and expire within this long: `<n>d`, `<n>h`, `<n>m` or `<n>s` (`7d`). */
  @IsOptional() @IsString() @Matches(EXPIRING_WITHIN_PATTERN) expiring_within?: string;
}

export interface ListTokensRequest {
  page: number;
  page_size: number;
  owner?: string;
  status?: TokenStatus;
  expiring_within?: string;
}

/** POST /tokens/report-leaked: a Warden token its caller found where it should not be. */
export class ReportLeakedTokenBody {
  @IsDefined() @IsString() @MaxLength(MAX_PRESENTED_TOKEN_LENGTH) token!: string;
  /** Where it was found. */
  @IsOptional() @IsString() @MaxLength(2048) url?: string;
}

/** The answer to a leak report: the same whether or not the token existed, or was another organization's. */
export class LeakReportAnswer {
  /** `received`: a well-formed Warden API token, acted on if it is one that works. */
  status!: 'received';
}

/** One entry of a secret scanner's alert (the GitHub secret-scanning partner format). */
export class ScannerAlertEntry {
  /** The string found: a Warden API token, or what looked like one. */
  token!: string;
  /** The scanner's name for the kind of secret. */
  type!: string;
  /** Where it was found. */
  url!: string;
  /** What kind of place that is (`content`, `commit`, `gist`...). */
  source!: string;
}

/** The verdict on one entry, in the partner format. */
export class ScannerAlertVerdict {
  token_raw!: string;
  token_type!: string;
  /** `true_positive`: a Warden API token of this deployment (now revoked or disabled); `false_positive`: anything else. */
  label!: 'true_positive' | 'false_positive';
}

/** What the gateway relays of a scanner's alert: the body exactly as received, and the signature headers. */
export interface ScannerAlertRequest {
  /** The raw request body, base64. */
  body: string;
  keyIdentifier: string | null;
  signature: string | null;
}

export class RotateTokenBody {
  /** How long the old secret keeps working; 0 (the default) ends it at once. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_GRACE_PERIOD_SECONDS) grace_period_seconds?: number;
}

/** POST /tokens/:id/rotate bodies: the API description's examples. */
export const ROTATE_TOKEN_BODY_EXAMPLES: Record<string, { value: RotateTokenBody }> = {
  'the old secret works five more minutes': { value: { grace_period_seconds: 300 } },
};

export class ReassignTokenBody {
  @IsDefined() @IsUUID() user_id!: string;
}

const MAX_VERIFY_ORIGIN_LENGTH = 2048;

export class VerifyTokenBody {
  // An OAuth access token carries its scope: longer than a secret.
  @IsDefined() @IsString() @MaxLength(MAX_PRESENTED_TOKEN_LENGTH) token!: string;
  /** The origin the token was presented from, for a public token. */
  @IsOptional() @IsString() @MaxLength(MAX_VERIFY_ORIGIN_LENGTH) origin?: string;
  /** The IP address the token was presented from, for a token with an IP allowlist (one without it is refused there). */
  @IsOptional() @IsIP() client_address?: string;
}


/**
 * A verify request that is plainly valid, taken as it is: `{token}` or `{token, origin}`,
 * strings within their limits. Verification is the hottest request there is, and the full
 * validation of the DTO costs more than the verification (about 17 µs); anything else (an
 * address to check, a wrong type, an unknown field) is left to it, which says what is wrong.
 */
export function plainVerifyTokenBody(value: unknown): VerifyTokenBody | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { token, origin } = value as Partial<Record<string, unknown>>;
  if (typeof token !== 'string' || token.length > MAX_PRESENTED_TOKEN_LENGTH) return null;
  if (origin !== undefined && (typeof origin !== 'string' || origin.length > MAX_VERIFY_ORIGIN_LENGTH)) return null;
  for (const key in value) if (key !== 'token' && key !== 'origin') return null;
  return origin === undefined ? { token } : { token, origin };
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
export class TokenSecretView {
  last_four!: string;
  issued_at!: string;
  /** When a rotated-out secret stops working; null for the current secret. */
  valid_until!: string | null;
}

export class TokenView {
  id!: string;
  /** The service account that owns it. */
  user_id!: string;
  organization_id!: string;
  name!: string;
  visibility!: TokenVisibility;
  /** The exact origins a public token works from. */
  allowed_origins!: string[];
  /** The permissions it is narrowed to; null: all of its owner's. */
  permissions!: string[] | null;
  /** `wdn_p_`: what kind of secret it is. */
  prefix!: string;
  /** The last four characters of the current secret, for telling tokens apart. */
  last_four!: string;
  /**
   * The secrets that work now, the current one last: a rotation's earlier secret stays here
   * until its grace period ends (`valid_until`; null for the current secret).
   */
  secrets!: TokenSecretView[];
  status!: TokenStatus;
  enabled!: boolean;
  created_at!: string;
  /** When it was disabled (it works again once enabled); null while it is not. */
  disabled_at!: string | null;
  expires_at!: string | null;
  last_used_at!: string | null;
  revoked_at!: string | null;
  rotated_at!: string | null;
  description!: string | null;
  metadata!: Record<string, string>;
  /** The addresses and CIDR blocks it works from; empty: anywhere. */
  allowed_ips!: string[];
  rate_limit!: TokenRateLimitView | null;
  credits!: TokenCreditsView | null;
}

export class TokenRateLimitView {
  limit!: number;
  window_seconds!: number;
}

export class TokenCreditsRefillView {
  amount!: number;
  interval_seconds!: number;
}

/** The credits as set (how many remain is in each verification's answer). */
export class TokenCreditsView {
  /** The uses granted when they were last set. */
  granted!: number;
  granted_at!: string;
  /** Topped up to `amount` every `interval_seconds`; null: never. */
  refill!: TokenCreditsRefillView | null;
}

/** What POST /tokens, rotate and exchange answer: the token's view and its secret, once. */
export class IssuedTokenView extends TokenView {
  /** The secret: shown in this answer only; Warden keeps its SHA-256. */
  token!: string;
}

/** GET /tokens. */
export class TokenPage {
  pagination!: Pagination;
  results!: TokenView[];
}

/** The `api_token` object of POST /users for a service account that gets its first token. */
export class ApiTokenOfNewUser {
  id!: string;
  user_id!: string;
  name!: string;
  /** The secret: shown in this answer only. */
  token!: string;
  enabled!: true;
}

/**
 * An introspection of a credential that works (RFC 7662-style): everything the verifier knows
 * of its caller, so a service asking over HTTP or NATS decides as one reading Redis would.
 */
export class ActiveTokenIntrospection {
  active!: true;
  token_id!: string;
  /** What the credential is: a login session key, an API token or an OAuth access token. */
  token_type!: 'api_token' | 'session' | 'access_token';
  user_id!: string;
  organization_id!: string;
  account_type!: PrincipalAccountType;
  roles!: string[];
  teams!: string[];
  /** The caller's effective permissions (a narrowed token's already intersected), and where each applies. */
  permissions!: Record<string, PermissionScope>;
  is_super_admin!: boolean;
  platform_admin!: boolean;
  /** RFC 7662's `scope`: the permissions an API token was narrowed to (an access token granted), space-separated; absent when it holds its owner's. */
  scope?: string;
  expires_at!: string | null;
  /** An API token with a rate limit: where it stands after this verification (which counted as a request). */
  rate_limit?: RateLimitView;
  /** An API token with credits: how many uses are left after this one. */
  credits_remaining?: number;
}

/** Where an API token's rate limit stands. */
export class RateLimitView {
  limit!: number;
  window_seconds!: number;
  /** Requests left in the current window. */
  remaining!: number;
  /** When the current window ends. */
  reset_at!: string;
}

/** An introspection of a token that does not work (or is another organization's). */
export class InactiveTokenIntrospection {
  active!: false;
  /**
   * Why, for a caller holding `tokens:read` (and internal callers): `unknown`, `expired`, `rotated_out`, `revoked`,
   * `disabled`, `owner_inactive`, `origin_not_allowed`, `ip_not_allowed`, `rate_limited`, `credits_exhausted`...
   */
  reason?: string;
  /** `rate_limited` (to the same callers): when the token may be used again. */
  rate_limit?: RateLimitView;
}

export type TokenIntrospection = ActiveTokenIntrospection | InactiveTokenIntrospection;

export interface VerifyTokenRequest {
  token: string;
  origin?: string;
}

/** POST /auth/token: no body; the presented login key is what is exchanged. */
export interface ExchangeTokenRequest {
  name?: string;
}
