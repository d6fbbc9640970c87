import { PermissionScope } from '@warden/contracts';

// Warden's own permissions, `<resource>:<action>`. Integrations name their own in custom
// roles (`records:write`, `envelopes:update`); those follow the same pattern but may not
// invent actions on Warden's resources.
export const WARDEN_PERMISSIONS = [
  'organizations:create',
  'organizations:read',
  'organizations:write',
  'users:read',
  'users:write',
  'service_accounts:write',
  'passwords:reset',
  'teams:read',
  'teams:write',
  'roles:read',
  'roles:write',
  'tokens:read',
  'tokens:write',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'read_models:rebuild',
] as const;

export type WardenPermission = (typeof WARDEN_PERMISSIONS)[number];
export type { PermissionScope };

/** Permissions that reach past one organization: creating tenants, rebuilding every tenant's read models. */
export const PLATFORM_PERMISSIONS: readonly WardenPermission[] = ['organizations:create', 'read_models:rebuild'];

/** What the platform admin may do in an organization other than its own: create tenants, read them, set what each is allowed. */
export const CROSS_ORGANIZATION_PERMISSIONS: readonly WardenPermission[] = ['organizations:create', 'organizations:read', 'organizations:write'];

/**
 * Permissions only a super admin holds: the platform's, and resetting passwords (which
 * hands out a login). No custom role may carry them.
 */
export const SUPER_ADMIN_ONLY_PERMISSIONS: readonly WardenPermission[] = ['organizations:create', 'passwords:reset', 'read_models:rebuild'];

/** The shape of every permission, Warden's and integrations'. */
export const PERMISSION_PATTERN = /^[a-z][a-z0-9_]{1,31}:[a-z][a-z0-9_]{1,31}$/;

const WARDEN_RESOURCES = new Set(WARDEN_PERMISSIONS.map((permission) => permission.split(':')[0]));

export function isWardenPermission(permission: string): permission is WardenPermission {
  return (WARDEN_PERMISSIONS as readonly string[]).includes(permission);
}

/** A Warden permission, or an integration's own that does not invent actions on Warden's resources (`users:purge`). */
export function isPermission(permission: string): boolean {
  if (isWardenPermission(permission)) return true;
  return PERMISSION_PATTERN.test(permission) && !WARDEN_RESOURCES.has(permission.split(':')[0]);
}
