import { AccountAccess } from '@warden/access';
import { AccountType } from './account-type';
import { RoleDefinition, SUPER_ADMIN_ROLE, resolvePermissions } from './roles';

/**
 * What an account holds through its roles: the input of every access decision about it
 * (`principalOf` in the access library), and what its principal record says.
 */
export function accountAccessOf(
  account: { id: string; organizationId: string; accountType: AccountType; roles: readonly string[]; teams: readonly string[] },
  customRoles: readonly RoleDefinition[],
  rootOrganizationId: string,
): AccountAccess {
  const isSuperAdmin = account.roles.includes(SUPER_ADMIN_ROLE);
  return {
    userId: account.id,
    organizationId: account.organizationId,
    accountType: account.accountType,
    roles: [...account.roles],
    teams: [...account.teams],
    permissions: resolvePermissions(account.roles, customRoles),
    isSuperAdmin,
    platformAdmin: isSuperAdmin && account.organizationId === rootOrganizationId,
  };
}
