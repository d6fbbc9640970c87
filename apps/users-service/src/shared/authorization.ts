// Every handler authorizes the same way: the principal the gateway authenticated, one
// permission, one target. Reads of another organization's resources answer "not found",
// so that tenants cannot learn what exists in each other's organizations.
import { CommonErrorCode, ErrorCode, PrincipalView, RequestContext, UsersErrorCode, WardenError } from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { AccountType, AuthorizationTarget, Principal, authorize, authorizeUserManagement } from '@warden/users-domain';
import { loadCustomRoles } from './custom-roles';

export function principalOf(context: RequestContext): Principal {
  const view: PrincipalView | undefined = context.principal;
  if (!view) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  // An API token narrowed to some permissions holds only those (the view's permissions are
  // the intersection already): its internal service account must not act as a super admin.
  const narrowed = view.credential.permissions !== undefined;
  return {
    id: view.userId,
    organizationId: view.organizationId,
    accountType: narrowed && view.accountType === 'service_internal' ? 'service_external' : view.accountType,
    roles: view.roles,
    teams: view.teams,
    permissions: view.permissions,
    isSuperAdmin: view.isSuperAdmin,
    platformAdmin: view.platformAdmin,
  };
}

export interface NotFound {
  code: ErrorCode;
  detail: string;
}

/**
 * Throws `forbidden` when the principal may not; when the target is in another
 * organization and `hidden` is given, throws that not-found error instead.
 */
export function requirePermission(
  principal: Principal,
  permission: string,
  target: AuthorizationTarget,
  hidden?: NotFound,
): void {
  const decision = authorize(principal, permission, target);
  if (decision.allowed) return;
  if (hidden && target.organizationId !== principal.organizationId) {
    throw new WardenError(hidden.code, hidden.detail);
  }
  throw new WardenError(CommonErrorCode.Forbidden, decision.reason);
}

export function forbidden(reason: string): WardenError {
  return new WardenError(CommonErrorCode.Forbidden, reason);
}

/**
 * The principal may manage this user (see authorizeUserManagement): `users:write` on it and
 * no more privilege in it than the principal could grant. Another organization's user reads
 * as not found.
 */
export async function requireUserManagement(
  store: EventStore,
  principal: Principal,
  user: { id: string; organizationId: string; accountType: AccountType; roles: string[]; teams: string[] },
): Promise<void> {
  const hidden = { code: UsersErrorCode.UserNotFound, detail: `user ${user.id} does not exist` };
  requirePermission(principal, 'users:write', { organizationId: user.organizationId, ownerTeams: user.teams }, hidden);
  const customRoles = await loadCustomRoles(store, user.organizationId, user.roles);
  const decision = authorizeUserManagement(principal, user, customRoles);
  if (!decision.allowed) throw forbidden(decision.reason);
}
