import { PermissionScope, PrincipalAccountType, PrincipalView } from '@warden/contracts';
import { PLATFORM_PERMISSIONS, WARDEN_PERMISSIONS } from './permissions';

// Who acts, and with what power: the one description of a principal's effective
// permissions that every service, the gateway and the verifier library decide on.

/** An account as its principal record describes it: what it holds through its roles. */
export interface AccountAccess {
  userId: string;
  organizationId: string;
  accountType: PrincipalAccountType;
  roles: readonly string[];
  teams: readonly string[];
  /** Resolved from the roles: permission -> where it applies. */
  permissions: Readonly<Record<string, PermissionScope>>;
  /** Holds the super admin role. */
  isSuperAdmin: boolean;
  /** A super admin of the root organization. */
  platformAdmin: boolean;
}

/** A principal's effective permissions: its account's, through the credential it acts with. */
export interface Principal {
  userId: string;
  organizationId: string;
  accountType: PrincipalAccountType;
  roles: readonly string[];
  teams: readonly string[];
  /**
   * Holds every permission of its organization: a super admin, or the internal service
   * account (super-admin equivalent), acting through a credential that is not narrowed.
   */
  unrestricted: boolean;
  /** Holds the super admin role through a credential that is not narrowed (only such a one grants the role). */
  isSuperAdmin: boolean;
  /** The platform admin through a credential that is not narrowed: creates and reads organizations. */
  platformAdmin: boolean;
  /** What it holds where; an unrestricted principal holds everything besides. */
  permissions: Readonly<Record<string, PermissionScope>>;
  /** The permissions its credential (an API token) was narrowed to; null when it was not. */
  narrowedTo: readonly string[] | null;
}

/**
 * The effective principal of an account acting through a credential narrowed to
 * `narrowedTo` (null: not narrowed). A narrowed credential holds the account's permissions
 * it names and nothing else, never the blanket power of a super admin; what it names of an
 * unrestricted account's it holds organization-wide.
 */
export function principalOf(account: AccountAccess, narrowedTo: readonly string[] | null = null): Principal {
  const everything = account.isSuperAdmin || account.accountType === 'service_internal';
  let permissions = account.permissions;
  if (narrowedTo !== null) {
    const held: Record<string, PermissionScope> = {};
    for (const permission of narrowedTo) {
      if (everything) held[permission] = 'organization';
      else if (Object.hasOwn(account.permissions, permission)) held[permission] = account.permissions[permission]!;
    }
    permissions = held;
  }
  // One literal, every field spelled out: in V8 a spread followed by more properties defines
  // each of them through the runtime, several microseconds per principal on every verification.
  const full = narrowedTo === null;
  return {
    userId: account.userId,
    organizationId: account.organizationId,
    accountType: account.accountType,
    roles: account.roles,
    teams: account.teams,
    unrestricted: full && everything,
    isSuperAdmin: full && account.isSuperAdmin,
    platformAdmin: full && account.platformAdmin,
    permissions,
    narrowedTo: full ? null : [...narrowedTo],
  };
}

/** The principal a verified credential stands for (its view is already narrowed; see `viewOfPrincipal`). */
export function principalOfView(view: PrincipalView): Principal {
  const narrowedTo = view.credential.permissions ?? null;
  return {
    userId: view.userId,
    organizationId: view.organizationId,
    accountType: view.accountType,
    roles: view.roles,
    teams: view.teams,
    unrestricted: narrowedTo === null && (view.isSuperAdmin || view.accountType === 'service_internal'),
    isSuperAdmin: narrowedTo === null && view.isSuperAdmin,
    platformAdmin: narrowedTo === null && view.platformAdmin,
    permissions: view.permissions,
    narrowedTo,
  };
}

/** The view a verification answers for a principal acting through `credential`: its effective permissions, copied (the view is the caller's). */
export function viewOfPrincipal(principal: Principal, credential: PrincipalView['credential']): PrincipalView {
  return {
    userId: principal.userId,
    organizationId: principal.organizationId,
    accountType: principal.accountType,
    roles: [...principal.roles],
    teams: [...principal.teams],
    permissions: { ...principal.permissions },
    isSuperAdmin: principal.isSuperAdmin,
    platformAdmin: principal.platformAdmin,
    credential,
  };
}

/**
 * What the principal can really do, spelled out: an unrestricted principal holds every
 * Warden permission organization-wide (the platform's only as the platform admin), and
 * any integration permission besides.
 */
export function effectivePermissions(principal: Principal): Record<string, PermissionScope> {
  if (!principal.unrestricted) return { ...principal.permissions };
  const all: Record<string, PermissionScope> = {};
  for (const permission of [...WARDEN_PERMISSIONS, ...Object.keys(principal.permissions)]) {
    if (!principal.platformAdmin && (PLATFORM_PERMISSIONS as readonly string[]).includes(permission)) continue;
    all[permission] = 'organization';
  }
  return all;
}
