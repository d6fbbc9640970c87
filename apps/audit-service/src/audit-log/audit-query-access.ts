// Who reads which part of the audit log, decided by the access library as every service
// decides its own requests: `audit:read` across the caller's organization, and only that
// organization's records; the platform admin any organization's, every chain, and the backfill.
import { Principal, holdsOrganizationWide, principalOfView } from '@warden/access';
import { CommonErrorCode, PLATFORM_AUDIT_CHAIN, RequestContext, WardenError } from '@warden/contracts';

/** The caller of an audit query, as the gateway authenticated it. */
export function auditReaderOf(context: RequestContext): Principal {
  if (!context.principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  const principal = principalOfView(context.principal);
  if (!holdsOrganizationWide(principal, 'audit:read')) {
    throw new WardenError(CommonErrorCode.Forbidden, 'Reading the audit log needs the audit:read permission');
  }
  return principal;
}

/** The organization a query names (default: the caller's), if the caller may read it. */
export function organizationToRead(reader: Principal, named: string | undefined): string {
  const organizationId = named ?? reader.organizationId;
  if (organizationId !== reader.organizationId && !reader.platformAdmin) {
    throw new WardenError(CommonErrorCode.Forbidden, 'The audit log of another organization is not yours to read');
  }
  return organizationId;
}

/**
 * For a question about one user or token: the platform admin asks across organizations
 * (undefined), anyone else within their own, where another organization's subject is
 * simply not found.
 */
export function subjectScope(reader: Principal): string | undefined {
  return reader.platformAdmin ? undefined : reader.organizationId;
}

/**
 * The chain a verification walks, from what the query names: an organization (default:
 * the caller's), `platform` or `all` (undefined: every chain), the latter two for the
 * platform admin only.
 */
export function chainToVerify(reader: Principal, named: string | undefined): string | undefined {
  if (named === 'all' || named === PLATFORM_AUDIT_CHAIN) {
    if (!reader.platformAdmin) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin verifies chains beyond its organization');
    return named === 'all' ? undefined : PLATFORM_AUDIT_CHAIN;
  }
  return organizationToRead(reader, named?.toLowerCase());
}

/** The backfill records across every organization: the platform admin's alone. */
export function requireBackfillOperator(reader: Principal): void {
  if (!reader.platformAdmin) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin runs the audit backfill');
}
