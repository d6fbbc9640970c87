// Every handler authorizes through the access library: the principal the gateway
// authenticated, one decision, one target. Reads of another organization's resources
// answer "not found", so that tenants cannot learn what exists in each other's organizations.
import {
  AccessDecision,
  AccessTarget,
  Principal,
  authorize,
  mayChangeTeamMembership,
  mayManageAccount,
  principalOf as principalOfAccount,
  principalOfView,
} from '@warden/access';
import { CommonErrorCode, ErrorCode, RequestContext, UsersErrorCode, WardenError } from '@warden/contracts';
import { AccountType, RoleDefinition, accountAccessOf } from '@warden/users-domain';
import { loadCustomRoles } from '../roles/custom-roles';
import { UsersContext } from '../users-context';

export function principalOf(context: RequestContext): Principal {
  if (!context.principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  return principalOfView(context.principal);
}

export interface NotFound {
  code: ErrorCode;
  detail: string;
}

/** Throws `forbidden` when the decision refuses; when the target is in another organization and `hidden` is given, that not-found error instead. */
export function requireAllowed(decision: AccessDecision, hidden?: NotFound): void {
  if (decision.allowed) return;
  if (hidden && decision.elsewhere) throw new WardenError(hidden.code, hidden.detail);
  throw new WardenError(CommonErrorCode.Forbidden, decision.reason);
}

export function requirePermission(principal: Principal, permission: string, target: AccessTarget, hidden?: NotFound): void {
  requireAllowed(authorize(principal, permission, target), hidden);
}

export function forbidden(reason: string): WardenError {
  return new WardenError(CommonErrorCode.Forbidden, reason);
}

/** An account as it is or would be, with its roles resolved: what access decisions about it weigh. */
export interface AccountShape {
  id: string;
  organizationId: string;
  accountType: AccountType;
  roles: readonly string[];
  teams: readonly string[];
}

/** What access decisions read: the custom roles' streams, and which organization is the root. */
export type AccessReader = Pick<UsersContext, 'store' | 'identity'>;

/** The account's effective permissions (its custom roles read from their streams unless given). */
export async function accountPrincipal(ctx: AccessReader, account: AccountShape, customRoles?: readonly RoleDefinition[]): Promise<Principal> {
  const roles = customRoles ?? (await loadCustomRoles(ctx.store, account.organizationId, account.roles));
  return principalOfAccount(accountAccessOf(account, roles, ctx.identity.rootOrganizationId));
}

/**
 * The principal may make this account (`before` null) or change it from `before` into
 * `after` (see `mayManageAccount`); another organization's user reads as not found.
 * Answers the account's effective permissions after the change.
 */
export async function requireAccountChange(
  ctx: AccessReader,
  principal: Principal,
  before: AccountShape | null,
  after: AccountShape,
  customRoles?: readonly RoleDefinition[],
): Promise<Principal> {
  const [was, will] = await Promise.all([before === null ? null : accountPrincipal(ctx, before), accountPrincipal(ctx, after, customRoles)]);
  const hidden = before === null
    ? { code: UsersErrorCode.OrganizationNotFound, detail: `organization ${after.organizationId} does not exist` }
    : { code: UsersErrorCode.UserNotFound, detail: `user ${before.id} does not exist` };
  requireAllowed(mayManageAccount(principal, { before: was, after: will }), hidden);
  return will;
}

/** The principal may manage this user as it is (deactivate, reactivate, delete, add to a team). */
export function requireUserManagement(ctx: AccessReader, principal: Principal, user: AccountShape): Promise<Principal> {
  return requireAccountChange(ctx, principal, user, user);
}

/** The principal may add members to this team or remove them from it. */
export function requireTeamMembershipChange(principal: Principal, organizationId: string, teamIds: readonly string[]): void {
  for (const teamId of teamIds) {
    requireAllowed(mayChangeTeamMembership(principal, { organizationId, teamId }), { code: UsersErrorCode.TeamNotFound, detail: `team ${teamId} does not exist` });
  }
}
