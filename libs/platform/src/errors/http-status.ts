import { AuditErrorCode, AuthErrorCode, CommonErrorCode, ErrorCode, TokensErrorCode, UsersErrorCode, WebhooksErrorCode } from '@warden/contracts';

// The one place where an error code becomes an HTTP status. Request shape problems
// (unparseable body, a field of the wrong type) are 400; a well-formed request that breaks
// a domain rule is 422. A timeout of a service behind the gateway is 503 like an absent
// service: to the client both mean "try again later", and the `code` tells them apart.
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case CommonErrorCode.ValidationFailed:
    case CommonErrorCode.MalformedBody:
    case AuditErrorCode.InvalidCursor:
    case TokensErrorCode.NotASession:
    case CommonErrorCode.InvalidIdempotencyKey:
      return 400;
    case CommonErrorCode.Unauthenticated:
    case AuthErrorCode.InvalidCredentials:
      return 401;
    case CommonErrorCode.Forbidden:
    case UsersErrorCode.PasswordChangeForbidden:
    case TokensErrorCode.TokenExchangeNotAllowed:
      return 403;
    case CommonErrorCode.RouteNotFound:
    case UsersErrorCode.OrganizationNotFound:
    case UsersErrorCode.UserNotFound:
    case UsersErrorCode.TeamNotFound:
    case UsersErrorCode.RoleNotFound:
    case TokensErrorCode.SessionNotFound:
    case TokensErrorCode.TokenNotFound:
    case TokensErrorCode.ClientSecretNotFound:
    case TokensErrorCode.ServiceAccountKeyNotFound:
    case TokensErrorCode.FederationRuleNotFound:
    case WebhooksErrorCode.WebhookSubscriptionNotFound:
    case WebhooksErrorCode.WebhookDeliveryNotFound:
      return 404;
    case CommonErrorCode.MethodNotAllowed:
      return 405;
    // The request is valid but the current state forbids it: another name, or a change elsewhere first.
    case CommonErrorCode.ConcurrencyConflict:
    case UsersErrorCode.OrganizationAlreadyExists:
    case UsersErrorCode.LimitBelowCurrentCount:
    case UsersErrorCode.ServiceAccountLimitReached:
    case UsersErrorCode.UsernameTaken:
    case UsersErrorCode.UserAlreadyExists:
    case UsersErrorCode.UserDeactivated:
    case UsersErrorCode.UserOwnsTokens:
    case UsersErrorCode.TeamAlreadyExists:
    case UsersErrorCode.TeamNotEmpty:
    case UsersErrorCode.RoleAlreadyExists:
    case UsersErrorCode.RoleArchived:
    case TokensErrorCode.SessionAlreadyStarted:
    case TokensErrorCode.TokenNotActive:
    case TokensErrorCode.ClientSecretNotActive:
    case CommonErrorCode.IdempotencyRequestInProgress:
    case CommonErrorCode.IdempotentReplayWithheld:
      return 409;
    case CommonErrorCode.PayloadTooLarge:
      return 413;
    case CommonErrorCode.UnsupportedMediaType:
      return 415;
    // Well-formed, but a field breaks a domain rule.
    case UsersErrorCode.InvalidOrganizationSettings:
    case UsersErrorCode.InvalidUsername:
    case UsersErrorCode.PasswordPolicyFailed:
    case UsersErrorCode.CurrentPasswordInvalid:
    case UsersErrorCode.UserNotInOrganization:
    case UsersErrorCode.RoleNameReserved:
    case UsersErrorCode.RoleNotAssignable:
    case UsersErrorCode.InvalidReference:
    case TokensErrorCode.InvalidTokenOwner:
    case TokensErrorCode.InvalidAllowedOrigins:
    case TokensErrorCode.InvalidTokenExpiry:
    case TokensErrorCode.InvalidTokenPermissions:
    case TokensErrorCode.InvalidGracePeriod:
    case TokensErrorCode.InvalidTokenPolicy:
    case TokensErrorCode.InvalidServiceAccountKey:
    case TokensErrorCode.InvalidOAuthClient:
    case WebhooksErrorCode.InvalidWebhookUrl:
    case WebhooksErrorCode.WebhookTargetNotAllowed:
    case WebhooksErrorCode.InvalidWebhookEventTypes:
    case CommonErrorCode.IdempotencyKeyReused:
      return 422;
    case CommonErrorCode.RateLimited:
      return 429;
    case CommonErrorCode.Internal:
      return 500;
    case CommonErrorCode.ServiceUnavailable:
    case CommonErrorCode.UpstreamTimeout:
      return 503;
    default: {
      const _exhaustive: never = code;
      return _exhaustive;
    }
  }
}

// A short, stable summary per code: RFC 7807's `title` must not vary between occurrences.
const TITLES: Record<ErrorCode, string> = {
  [CommonErrorCode.ValidationFailed]: 'The request is invalid',
  [CommonErrorCode.MalformedBody]: 'The request body could not be read',
  [CommonErrorCode.UnsupportedMediaType]: 'Unsupported media type',
  [CommonErrorCode.PayloadTooLarge]: 'The request body is too large',
  [CommonErrorCode.RouteNotFound]: 'No such route',
  [CommonErrorCode.MethodNotAllowed]: 'Method not allowed',
  [CommonErrorCode.Unauthenticated]: 'Authentication required',
  [CommonErrorCode.Forbidden]: 'Forbidden',
  [CommonErrorCode.RateLimited]: 'Too many requests',
  [CommonErrorCode.ConcurrencyConflict]: 'Concurrent modification',
  [CommonErrorCode.ServiceUnavailable]: 'Service unavailable',
  [CommonErrorCode.UpstreamTimeout]: 'Service did not answer in time',
  [CommonErrorCode.Internal]: 'Internal error',
  [CommonErrorCode.InvalidIdempotencyKey]: 'Invalid Idempotency-Key header',
  [CommonErrorCode.IdempotencyKeyReused]: 'Idempotency-Key reused for another request',
  [CommonErrorCode.IdempotencyRequestInProgress]: 'A request with this Idempotency-Key is in progress',
  [CommonErrorCode.IdempotentReplayWithheld]: 'The answer held a secret and is not replayed',
  [UsersErrorCode.OrganizationNotFound]: 'Organization not found',
  [UsersErrorCode.OrganizationAlreadyExists]: 'Organization already exists',
  [UsersErrorCode.InvalidOrganizationSettings]: 'Invalid organization settings',
  [UsersErrorCode.LimitBelowCurrentCount]: 'Limit below the current count',
  [UsersErrorCode.ServiceAccountLimitReached]: 'Service account limit reached',
  [UsersErrorCode.InvalidUsername]: 'Invalid username',
  [UsersErrorCode.UsernameTaken]: 'Username already taken',
  [UsersErrorCode.PasswordPolicyFailed]: 'Password does not meet the policy',
  [UsersErrorCode.UserNotFound]: 'User not found',
  [UsersErrorCode.UserAlreadyExists]: 'User already exists',
  [UsersErrorCode.UserDeactivated]: 'User is deactivated',
  [UsersErrorCode.UserOwnsTokens]: 'User still owns tokens',
  [UsersErrorCode.PasswordChangeForbidden]: 'Password change not allowed',
  [UsersErrorCode.CurrentPasswordInvalid]: 'Current password is wrong',
  [UsersErrorCode.TeamNotFound]: 'Team not found',
  [UsersErrorCode.TeamAlreadyExists]: 'Team already exists',
  [UsersErrorCode.TeamNotEmpty]: 'Team is not empty',
  [UsersErrorCode.UserNotInOrganization]: 'User is not in the organization',
  [UsersErrorCode.RoleNotFound]: 'Role not found',
  [UsersErrorCode.RoleAlreadyExists]: 'Role already exists',
  [UsersErrorCode.RoleNameReserved]: 'Role name is reserved',
  [UsersErrorCode.RoleArchived]: 'Role is archived',
  [UsersErrorCode.RoleNotAssignable]: 'Role cannot be assigned',
  [UsersErrorCode.InvalidReference]: 'A referenced resource does not exist',
  [AuditErrorCode.InvalidCursor]: 'Invalid cursor',
  [AuthErrorCode.InvalidCredentials]: 'Invalid username or password',
  [TokensErrorCode.SessionNotFound]: 'Session not found',
  [TokensErrorCode.SessionAlreadyStarted]: 'Session already started',
  [TokensErrorCode.NotASession]: 'Not a login session',
  [TokensErrorCode.TokenNotFound]: 'Token not found',
  [WebhooksErrorCode.WebhookSubscriptionNotFound]: 'Webhook subscription not found',
  [WebhooksErrorCode.WebhookDeliveryNotFound]: 'Webhook delivery not found',
  [WebhooksErrorCode.InvalidWebhookUrl]: 'Invalid webhook URL',
  [WebhooksErrorCode.WebhookTargetNotAllowed]: 'Webhook target not allowed',
  [WebhooksErrorCode.InvalidWebhookEventTypes]: 'Invalid webhook event types',
  [TokensErrorCode.InvalidTokenOwner]: 'Invalid token owner',
  [TokensErrorCode.InvalidAllowedOrigins]: 'Invalid allowed origins',
  [TokensErrorCode.InvalidTokenExpiry]: 'Invalid token expiry',
  [TokensErrorCode.InvalidTokenPermissions]: 'Invalid token permissions',
  [TokensErrorCode.InvalidGracePeriod]: 'Invalid grace period',
  [TokensErrorCode.InvalidTokenPolicy]: 'Invalid token usage policy',
  [TokensErrorCode.TokenNotActive]: 'Token is not active',
  [TokensErrorCode.TokenExchangeNotAllowed]: 'Token exchange not allowed',
  [TokensErrorCode.ClientSecretNotFound]: 'Client secret not found',
  [TokensErrorCode.ClientSecretNotActive]: 'Client secret is not active',
  [TokensErrorCode.ServiceAccountKeyNotFound]: 'Service account key not found',
  [TokensErrorCode.FederationRuleNotFound]: 'Federation rule not found',
  [TokensErrorCode.InvalidServiceAccountKey]: 'Invalid service account key',
  [TokensErrorCode.InvalidOAuthClient]: 'Invalid OAuth client',
};

export function problemTitleFor(code: ErrorCode): string {
  return TITLES[code];
}

/** RFC 7807 `type`: a URI naming the kind of problem, one per error code. */
export function problemTypeFor(code: ErrorCode): string {
  return `urn:warden:problem:${code}`;
}
