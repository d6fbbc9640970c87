import { AccountType } from './account-type';
import { PermissionGrants, RoleDefinition, SUPER_ADMIN_ROLE, findRole, resolvePermissions } from './roles';

export interface Principal {
  id: string;
  organizationId: string;
  accountType: AccountType;
  roles: string[];
  teams: string[];
  permissions: PermissionGrants;
  isSuperAdmin: boolean;
  // A super admin of the root organization: the only principal that reaches past its own
  // organization, and only to create and read organizations.
  platformAdmin: boolean;
}

export interface AuthorizationTarget {
  organizationId: string;
  // The teams the target's owner belongs to, for team-scoped permissions.
  ownerTeams?: readonly string[];
}

export type AuthorizationDecision = { allowed: true } | { allowed: false; reason: string };

// Not per organization: creating tenants and rebuilding the read models of all of them.
export const PLATFORM_PERMISSIONS: readonly string[] = ['organizations:create', 'read_models:rebuild'];
// The platform admin creates tenants, reads them and sets what each is allowed (its
// service-account limits); it reaches into nothing else of another organization.
const CROSS_ORGANIZATION_PERMISSIONS: readonly string[] = ['organizations:create', 'organizations:read', 'organizations:write'];

const allowed: AuthorizationDecision = { allowed: true };
const denied = (reason: string): AuthorizationDecision => ({ allowed: false, reason });

export function buildPrincipal(account: {
  id: string;
  organizationId: string;
  accountType: AccountType;
  roles: string[];
  teams: string[];
  customRoles: readonly RoleDefinition[];
  rootOrganizationId: string;
}): Principal {
  const { customRoles, rootOrganizationId, ...identity } = account;
  const isSuperAdmin = account.roles.includes(SUPER_ADMIN_ROLE);
  return {
    ...identity,
    permissions: resolvePermissions(account.roles, customRoles),
    isSuperAdmin,
    platformAdmin: isSuperAdmin && account.organizationId === rootOrganizationId,
  };
}

// Seed 000: the internal service account has "full unrestricted permissions equivalent to
// a Super Admin user" in its organization.
export function actsAsSuperAdmin(principal: Principal): boolean {
  return principal.isSuperAdmin || principal.accountType === 'service_internal';
}

export function authorize(
  principal: Principal,
  permission: string,
  target: AuthorizationTarget,
): AuthorizationDecision {
  const platformAdmin = principal.platformAdmin && principal.isSuperAdmin;
  if (PLATFORM_PERMISSIONS.includes(permission) && !platformAdmin) {
    return denied(`${permission} is reserved to super admins of the root organization`);
  }
  if (target.organizationId !== principal.organizationId) {
    if (platformAdmin && CROSS_ORGANIZATION_PERMISSIONS.includes(permission)) return allowed;
    return denied('the target belongs to another organization');
  }
  if (actsAsSuperAdmin(principal)) return allowed;
  const scope = Object.hasOwn(principal.permissions, permission)
    ? principal.permissions[permission]
    : undefined;
  if (scope === undefined) return denied(`missing permission ${permission}`);
  if (scope === 'organization') return allowed;
  const teams = new Set(principal.teams);
  if (target.ownerTeams?.some((team) => teams.has(team))) return allowed;
  return denied(`${permission} is granted only for the principal's own teams`);
}

// Giving someone a role is giving them its permissions: nobody may hand out more than they
// hold themselves, or an admin could make anyone (themselves included) a super admin.
export function authorizeRoleGrant(
  principal: Principal,
  roleNames: readonly string[],
  customRoles: readonly RoleDefinition[],
): AuthorizationDecision {
  for (const name of roleNames) {
    if (name === SUPER_ADMIN_ROLE) {
      if (!principal.isSuperAdmin) return denied(`only a super admin may grant ${SUPER_ADMIN_ROLE}`);
      continue;
    }
    if (actsAsSuperAdmin(principal)) continue;
    const role = findRole(name, customRoles);
    if (!role) continue; // the assignment itself refuses unknown roles, with its own error
    const missing = role.permissions.find((permission) => {
      const held = Object.hasOwn(principal.permissions, permission)
        ? principal.permissions[permission]
        : undefined;
      return held === undefined || (held === 'team' && role.access_scope === 'organization');
    });
    if (missing)
      return denied(
        `cannot grant ${name}: it carries ${missing}, which the principal does not hold as widely`,
      );
  }
  return allowed;
}

/**
 * Whether the principal may manage (change, deactivate, delete, move between teams) a user.
 * Beyond `users:write` on the target, nobody manages a user more privileged than they could
 * have made: every role the target holds must be one the principal may grant, and the
 * internal service account (super-admin equivalent) is managed only by a super admin. Else
 * an admin could demote a super admin, or a team manager pull one into a team and then
 * manage them there.
 */
export function authorizeUserManagement(
  principal: Principal,
  target: { organizationId: string; accountType: AccountType; roles: readonly string[]; teams: readonly string[] },
  customRoles: readonly RoleDefinition[],
): AuthorizationDecision {
  const scope = { organizationId: target.organizationId, ownerTeams: target.teams };
  const write = authorize(principal, 'users:write', scope);
  if (!write.allowed) return write;
  if (target.accountType !== 'user') {
    const serviceAccounts = authorize(principal, 'service_accounts:write', scope);
    if (!serviceAccounts.allowed) return serviceAccounts;
  }
  if (target.accountType === 'service_internal' && !actsAsSuperAdmin(principal)) {
    return denied('only a super admin may manage the internal service account (it acts as a super admin)');
  }
  const grant = authorizeRoleGrant(principal, target.roles, customRoles);
  if (!grant.allowed) return denied(`cannot manage a user more privileged than the caller: ${grant.reason}`);
  return allowed;
}
