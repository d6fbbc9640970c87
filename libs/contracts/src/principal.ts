// Who is calling, as the gateway authenticated them: carried in the RequestContext of every
// command and query, so each service authorizes against the same facts.

export type PrincipalAccountType = 'user' | 'service_internal' | 'service_external';
export type PermissionScope = 'organization' | 'team';

/** What a request can authenticate with: a login session key, an API token, or an OAuth access token. */
export type BearerCredentialKind = 'session' | 'api_token' | 'access_token';
/** What an OAuth client authenticates with at the introspection and revocation endpoints (RFC 7662 §2.1, RFC 7009 §2.1). */
export type ClientCredentialKind = 'client_secret' | 'service_account_key';

export interface PrincipalView {
  userId: string;
  organizationId: string;
  accountType: PrincipalAccountType;
  roles: string[];
  teams: string[];
  /** Resolved from the roles: permission -> where it applies. */
  permissions: Record<string, PermissionScope>;
  isSuperAdmin: boolean;
  /** A super admin of the root organization: may create and read organizations. */
  platformAdmin: boolean;
  /**
   * The credential that authenticated the request. `permissions` is set when an API token
   * was narrowed to some, or an access token granted a scope: the caller then holds only those (the `permissions` above are
   * already the intersection) and never acts as a super admin, whatever its account type.
   */
  credential: { kind: BearerCredentialKind | ClientCredentialKind; id: string; expiresAt: string | null; permissions?: string[] };
}
