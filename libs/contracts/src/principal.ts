// Who is calling, as the gateway authenticated them: carried in the RequestContext of every
// command and query, so each service authorizes against the same facts.

export type PrincipalAccountType = 'user' | 'service_internal' | 'service_external';
export type PermissionScope = 'organization' | 'team';

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
   * was narrowed to some: the caller then holds only those (the `permissions` above are
   * already the intersection) and never acts as a super admin, whatever its account type.
   */
  credential: { kind: 'session' | 'api_token'; id: string; expiresAt: string | null; permissions?: string[] };
}
