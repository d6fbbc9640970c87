import { PrincipalView } from '@warden/contracts';

// Gateway-side checks for the few routes the gateway answers from its own knowledge of
// the caller (the audit query); the services authorize their own commands.

/**
 * Whether the caller holds `permission` across its whole organization: a super admin and
 * the internal service account hold every one (seed 000); others need it granted with
 * organization scope (a team-scoped grant does not cover organization-wide data).
 */
export function holdsOrganizationPermission(principal: PrincipalView, permission: string): boolean {
  // A token narrowed to some permissions holds those only, whatever its owner's account type.
  const narrowed = principal.credential.permissions !== undefined;
  if (!narrowed && (principal.isSuperAdmin || principal.accountType === 'service_internal')) return true;
  return Object.hasOwn(principal.permissions, permission) && principal.permissions[permission] === 'organization';
}
