import { SUPER_ADMIN_ONLY_PERMISSIONS, WARDEN_PERMISSIONS, WardenPermission } from '@warden/access';
import { UsersErrorCode, WardenError } from '@warden/contracts';
import { AccountType } from './account-type';

export type AccessScope = 'organization' | 'team';
export type RoleType = 'default' | 'custom';
export type RoleStatus = 'ACTIVE' | 'ARCHIVED';

// A role as GET /roles shows it (name, display_name, description, type, status,
// access_scope), plus the application it belongs to and what it grants.
export interface RoleDefinition {
  name: string;
  display_name: string;
  description: string;
  type: RoleType;
  status: RoleStatus;
  access_scope: AccessScope;
  application_code: string;
  permissions: string[];
}

export const WARDEN_APPLICATION_CODE = 'warden';
export const SUPER_ADMIN_ROLE = 'WARDEN_SUPER_ADMIN';
// Every name with this prefix belongs to Warden's catalogue, present or future.
export const DEFAULT_ROLE_PREFIX = 'WARDEN_';

const defaultRole = (
  name: string,
  display_name: string,
  description: string,
  permissions: readonly WardenPermission[],
  access_scope: AccessScope = 'organization',
): RoleDefinition => ({
  name,
  display_name,
  description,
  type: 'default',
  status: 'ACTIVE',
  access_scope,
  application_code: WARDEN_APPLICATION_CODE,
  permissions: [...permissions],
});

const ORGANIZATION_ADMIN_PERMISSIONS = WARDEN_PERMISSIONS.filter(
  (permission) => !SUPER_ADMIN_ONLY_PERMISSIONS.includes(permission),
);

export const DEFAULT_ROLES: readonly RoleDefinition[] = [
  defaultRole(
    SUPER_ADMIN_ROLE,
    'Super admin',
    'Everything, including creating organizations, resetting passwords and rebuilding read models',
    WARDEN_PERMISSIONS,
  ),
  defaultRole(
    'WARDEN_ADMIN',
    'Admin',
    'Manages the organization: users, service accounts, teams, roles, tokens and the audit log',
    ORGANIZATION_ADMIN_PERMISSIONS,
  ),
  // A manager manages the people of their own teams. Service accounts and their tokens are
  // administrator-managed: a manager sees a team's tokens but neither makes nor changes them.
  defaultRole(
    'WARDEN_MANAGER',
    'Manager',
    "Manages the people and membership of the manager's own teams, and sees their tokens",
    ['users:read', 'users:write', 'teams:read', 'teams:write', 'tokens:read'],
    'team',
  ),
  defaultRole('WARDEN_MEMBER', 'Member', 'Views the organization, its users, teams and roles', [
    'organizations:read',
    'users:read',
    'teams:read',
    'roles:read',
  ]),
  defaultRole('WARDEN_AUDITOR', 'Auditor', 'Reads the audit log', ['audit:read']),
];

export function isDefaultRoleName(name: string): boolean {
  return name.startsWith(DEFAULT_ROLE_PREFIX);
}

export function findRole(name: string, customRoles: readonly RoleDefinition[]): RoleDefinition | undefined {
  return DEFAULT_ROLES.find((role) => role.name === name) ?? customRoles.find((role) => role.name === name);
}

// GET /roles: roles grouped by application code.
export function roleCatalogue(
  customRoles: readonly RoleDefinition[],
  filter: { applicationCode?: string } = {},
): Record<string, RoleDefinition[]> {
  const catalogue: Record<string, RoleDefinition[]> = {};
  for (const role of [...DEFAULT_ROLES, ...customRoles]) {
    if (filter.applicationCode !== undefined && role.application_code !== filter.applicationCode) continue;
    (catalogue[role.application_code] ??= []).push(role);
  }
  return catalogue;
}

// Refuses unknown and archived roles, and the super admin role on a service account: the
// internal one is super-admin equivalent already, an external one gets only what it needs.
export function assertAssignableRoles(
  roleNames: readonly string[],
  accountType: AccountType,
  customRoles: readonly RoleDefinition[],
): string[] {
  const names = [...new Set(roleNames)];
  for (const name of names) {
    const role = findRole(name, customRoles);
    if (!role) {
      throw new WardenError(UsersErrorCode.RoleNotFound, `role ${name} does not exist`, [
        { field: 'roles', message: `role ${name} does not exist` },
      ]);
    }
    if (role.status === 'ARCHIVED') {
      throw new WardenError(UsersErrorCode.RoleArchived, `role ${name} is archived and cannot be assigned`, [
        { field: 'roles', message: `role ${name} is archived` },
      ]);
    }
    if (name === SUPER_ADMIN_ROLE && accountType !== 'user') {
      throw new WardenError(
        UsersErrorCode.RoleNotAssignable,
        `role ${name} cannot be assigned to a ${accountType} account`,
        [{ field: 'roles', message: `role ${name} is only for human users` }],
      );
    }
  }
  return names;
}

// Each permission with the widest scope any of the roles grants it at. Unknown role names
// grant nothing. An archived role keeps granting to those who hold it: archiving retires
// a role from the catalogue, revoking is removing it from the holders.
export type PermissionGrants = Record<string, AccessScope>;

export function resolvePermissions(
  roleNames: readonly string[],
  customRoles: readonly RoleDefinition[],
): PermissionGrants {
  const grants: PermissionGrants = {};
  for (const name of roleNames) {
    const role = findRole(name, customRoles);
    if (!role) continue;
    for (const permission of role.permissions) {
      if (grants[permission] !== 'organization') grants[permission] = role.access_scope;
    }
  }
  return grants;
}
