import { holdsOrganizationWide, principalOfView } from '@warden/access';
import { CommonErrorCode, PrincipalView, WardenError } from '@warden/contracts';

// Who reads which part of the audit log: `audit:read` across the caller's organization,
// and only that organization's records; the platform admin any organization's.

export function requireAuditReader(principal: PrincipalView): void {
  if (!holdsOrganizationWide(principalOfView(principal), 'audit:read')) {
    throw new WardenError(CommonErrorCode.Forbidden, 'Reading the audit log needs the audit:read permission');
  }
}

/** The organization a query names (default: the caller's), if the caller may read it. */
export function organizationToRead(principal: PrincipalView, named: string | undefined): string {
  requireAuditReader(principal);
  const organizationId = named ?? principal.organizationId;
  if (organizationId !== principal.organizationId && !principal.platformAdmin) {
    throw new WardenError(CommonErrorCode.Forbidden, 'The audit log of another organization is not yours to read');
  }
  return organizationId;
}

/**
 * For a question about one user or token: the platform admin asks across organizations
 * (undefined), anyone else within their own, where another organization's subject is
 * simply not found.
 */
export function subjectScope(principal: PrincipalView): string | undefined {
  requireAuditReader(principal);
  return principal.platformAdmin ? undefined : principal.organizationId;
}
