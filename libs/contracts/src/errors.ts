// Every failure in Warden is one of these codes. The same code travels over NATS and
// comes out of the gateway in an RFC 7807 problem document; the HTTP status for each
// code is decided in one place (the platform library's error mapper).

export enum CommonErrorCode {
  ValidationFailed = 'validation_failed',
  MalformedBody = 'malformed_body',
  UnsupportedMediaType = 'unsupported_media_type',
  PayloadTooLarge = 'payload_too_large',
  RouteNotFound = 'route_not_found',
  MethodNotAllowed = 'method_not_allowed',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  RateLimited = 'rate_limited',
  ConcurrencyConflict = 'concurrency_conflict',
  ServiceUnavailable = 'service_unavailable',
  UpstreamTimeout = 'upstream_timeout',
  Internal = 'internal_error',
  /** An `Idempotency-Key` header that is empty, too long, repeated or not printable ASCII. */
  InvalidIdempotencyKey = 'invalid_idempotency_key',
  /** The same `Idempotency-Key` with another method, path or body. */
  IdempotencyKeyReused = 'idempotency_key_reused',
  /** The first request with this `Idempotency-Key` has not been answered yet. */
  IdempotencyRequestInProgress = 'idempotency_request_in_progress',
  /** The first request with this `Idempotency-Key` succeeded, but its answer held a secret that is shown once. */
  IdempotentReplayWithheld = 'idempotent_replay_withheld',
}

export enum UsersErrorCode {
  OrganizationNotFound = 'organization_not_found',
  OrganizationAlreadyExists = 'organization_already_exists',
  InvalidOrganizationSettings = 'invalid_organization_settings',
  LimitBelowCurrentCount = 'limit_below_current_count',
  ServiceAccountLimitReached = 'service_account_limit_reached',
  InvalidUsername = 'invalid_username',
  UsernameTaken = 'username_taken',
  PasswordPolicyFailed = 'password_policy_failed',
  UserNotFound = 'user_not_found',
  UserAlreadyExists = 'user_already_exists',
  UserDeactivated = 'user_deactivated',
  UserOwnsTokens = 'user_owns_tokens',
  PasswordChangeForbidden = 'password_change_forbidden',
  CurrentPasswordInvalid = 'current_password_invalid',
  TeamNotFound = 'team_not_found',
  TeamAlreadyExists = 'team_already_exists',
  TeamNotEmpty = 'team_not_empty',
  UserNotInOrganization = 'user_not_in_organization',
  RoleNotFound = 'role_not_found',
  RoleAlreadyExists = 'role_already_exists',
  RoleNameReserved = 'role_name_reserved',
  RoleArchived = 'role_archived',
  RoleNotAssignable = 'role_not_assignable',
  InvalidReference = 'invalid_reference',
}

export enum AuditErrorCode {
  InvalidCursor = 'invalid_cursor',
}

/** Logging in: answered by the users service's password check. */
export enum AuthErrorCode {
  /** Wrong username or password, or an account that may not log in: never says which. */
  InvalidCredentials = 'invalid_credentials',
}

/** Login sessions and (with the tokens issue) API tokens. */
export enum TokensErrorCode {
  SessionNotFound = 'session_not_found',
  SessionAlreadyStarted = 'session_already_started',
  /** Logout with a credential that is not a login session (an API token is revoked instead). */
  NotASession = 'not_a_session',
  TokenNotFound = 'token_not_found',
  /** The owner named is not an active service account of the organization (tokens belong only to those). */
  InvalidTokenOwner = 'invalid_token_owner',
  /** An allowed origin with a wildcard, a path, userinfo, or a public token without any. */
  InvalidAllowedOrigins = 'invalid_allowed_origins',
  /** An expiry in the past or beyond the organization's max_token_lifetime_seconds. */
  InvalidTokenExpiry = 'invalid_token_expiry',
  /** Permissions the owner does not hold, or that are not permissions. */
  InvalidTokenPermissions = 'invalid_token_permissions',
  InvalidGracePeriod = 'invalid_grace_period',
  /** A usage policy or description out of bounds: an address that is not one, a rate limit or credits not whole numbers in range, metadata too large. */
  InvalidTokenPolicy = 'invalid_token_policy',
  /** Rotating or reassigning a revoked or expired token. */
  TokenNotActive = 'token_not_active',
  /** Token exchange for a credential that is not a login session of a service account. */
  TokenExchangeNotAllowed = 'token_exchange_not_allowed',
  /** No client secret with that id on the account (or the account is another organization's). */
  ClientSecretNotFound = 'client_secret_not_found',
  /** Rotating a client secret already rotated out or revoked. */
  ClientSecretNotActive = 'client_secret_not_active',
  ServiceAccountKeyNotFound = 'service_account_key_not_found',
  /** A JWK that is not a public ES256, RS256 or EdDSA key, carries a private member, or whose id is taken. */
  InvalidServiceAccountKey = 'invalid_service_account_key',
  FederationRuleNotFound = 'federation_rule_not_found',
  /** An OAuth client credential for an account that is not an active service account of the organization. */
  InvalidOAuthClient = 'invalid_oauth_client',
}

/** Outbound webhooks: subscriptions and their deliveries. */
export enum WebhooksErrorCode {
  WebhookSubscriptionNotFound = 'webhook_subscription_not_found',
  WebhookDeliveryNotFound = 'webhook_delivery_not_found',
  /** Not an absolute http(s) URL, or one with userinfo or a fragment. */
  InvalidWebhookUrl = 'invalid_webhook_url',
  /** The URL's host resolves to a private, loopback, link-local or otherwise internal address. */
  WebhookTargetNotAllowed = 'webhook_target_not_allowed',
  /** Event types that are not webhook event types, or none. */
  InvalidWebhookEventTypes = 'invalid_webhook_event_types',
}

export type ErrorCode = CommonErrorCode | UsersErrorCode | AuditErrorCode | AuthErrorCode | TokensErrorCode | WebhooksErrorCode;

export const ALL_ERROR_CODES: readonly ErrorCode[] = [
  ...Object.values(CommonErrorCode),
  ...Object.values(UsersErrorCode),
  ...Object.values(AuditErrorCode),
  ...Object.values(AuthErrorCode),
  ...Object.values(TokensErrorCode),
  ...Object.values(WebhooksErrorCode),
];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ALL_ERROR_CODES as readonly string[]).includes(value);
}

/** One field at fault: `field` is a JSON path into the request (`settings.serviceExternalLimit`). */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 7807 problem details, as every error leaves the gateway. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  correlationId?: string;
  errors?: FieldError[];
}

/** How an error travels in a NATS reply. */
export interface ErrorPayload {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
}

/** An expected failure: carries a code, never a stack trace to the client. */
export class WardenError extends Error {
  override readonly name = 'WardenError';
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(`${code}: ${detail}`);
  }

  toPayload(): ErrorPayload {
    return this.errors ? { code: this.code, detail: this.detail, errors: this.errors } : { code: this.code, detail: this.detail };
  }

  static fromPayload(payload: ErrorPayload): WardenError {
    return new WardenError(payload.code, payload.detail, payload.errors);
  }
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    isErrorCode((value as ErrorPayload).code) &&
    typeof (value as ErrorPayload).detail === 'string'
  );
}
