import { PermissionScope, PrincipalAccountType, PrincipalView } from './principal';
import { VERIFICATION_KEY_TAG } from './verification-keys';

// Authentication spans two services: the users service checks passwords and keeps, for
// every user, the principal record below in Redis; the tokens service issues credentials
// (login sessions now, API tokens later) and keeps, for each, a credential record keyed by
// the SHA-256 of its secret. Verifying a request reads both in one Redis round trip.

/**
 * Redis hash of every user's principal record (field: the user id), written by the users
 * service, after REDIS_KEY_PREFIX and VERIFICATION_KEY_TAG: a verification reads its owner's
 * field in the credential's round trip.
 */
export const PRINCIPAL_RECORDS = 'principals';

/** The full Redis key of the principal records. */
export const principalRecordsKey = (keyPrefix: string) => keyPrefix + VERIFICATION_KEY_TAG + PRINCIPAL_RECORDS;

/** The users service's projection that writes the principal records (and the organizations' token policies). */
export const PRINCIPAL_PROJECTION = 'users-principals';

/**
 * Set once the principal records are built, absent while they are lost or being rebuilt (the
 * projection runner's `ready` marker): a verification that finds a credential without its
 * owner's record then cannot tell a removed owner from one not rebuilt yet, and answers 503.
 */
export const principalRecordsReadyKey = (keyPrefix: string) => `${keyPrefix}${VERIFICATION_KEY_TAG}${PRINCIPAL_PROJECTION}:ready`;

export type PrincipalStatus = 'active' | 'deactivated' | 'deleted';

/** JSON value of a user's field in the principal records. */
export interface PrincipalRecord {
  userId: string;
  organizationId: string;
  accountType: PrincipalAccountType;
  username: string;
  roles: string[];
  teams: string[];
  permissions: Record<string, PermissionScope>;
  isSuperAdmin: boolean;
  platformAdmin: boolean;
  status: PrincipalStatus;
  /** The user's last deactivation: a login session started before it stays ended after a reactivation. */
  sessionsNotBefore?: string;
}

export const AuthSubjects = {
  /** users service: check a username and password; answers the user or `invalid_credentials`. */
  verifyPassword: 'users.auth.verify-password',
  /** tokens service: start a login session for a user whose password was just checked. */
  startSession: 'tokens.sessions.start',
  /** tokens service: end the session that authenticated the request. */
  endSession: 'tokens.sessions.end',
  /** tokens service: how many API tokens a user owns (a user who owns some cannot be deleted). */
  countOwnedTokens: 'tokens.owners.count-tokens',
} as const;

export interface VerifyPasswordRequest {
  username: string;
  password: string;
}

export interface VerifiedUser {
  userId: string;
  organizationId: string;
  accountType: PrincipalAccountType;
}

export interface StartSessionRequest {
  userId: string;
  organizationId: string;
}

/** `{"key": "...", "domain": null}`, plus when it stops working. */
export class LoginResponse {
  /** The login key: present it as `Authorization: Bearer <key>` or `x-api-key: <key>`. */
  key!: string;
  domain!: null;
  expires_at!: string;
}

/** The API tokens a user owns and has not revoked (in the organization the user belongs to). */
export interface CountOwnedTokensRequest {
  organizationId: string;
  userId: string;
}

export interface CountOwnedTokensResponse {
  count: number;
}

/** `GET /api/v1/auth/whoami`: the caller as its credential's verification found it. */
export class WhoAmIResponse {
  user_id!: string;
  organization_id!: string;
  account_type!: PrincipalAccountType;
  roles!: string[];
  teams!: string[];
  /**
   * What the caller can really do through this credential, and where each applies: a super
   * admin's or the internal service account's every permission spelled out, a narrowed
   * token's intersection.
   */
  permissions!: Record<string, PermissionScope>;
  is_super_admin!: boolean;
  platform_admin!: boolean;
  /** Holds every permission of its organization (a super admin or the internal service account, through a credential that is not narrowed). */
  acts_as_super_admin!: boolean;
  credential!: PresentedCredential;
}

/** The credential a request was authenticated with. */
export class PresentedCredential {
  /** A login session key, an API token or an OAuth access token (or, at introspection and revocation, an OAuth client's secret or key). */
  kind!: PrincipalView['credential']['kind'];
  /** The session's, the token's or the access token's grant id. */
  id!: string;
  expires_at!: string | null;
  /** The permissions an API token was narrowed to (an access token's scope); absent when it holds its owner's. */
  permissions?: string[];
}
