// The token routes authorize as the users service does (libs/users/domain authorize()):
// one permission, one target; a token of another organization reads as "not found", so
// tenants cannot learn each other's token ids. The tokens context may not import the users
// domain, so the few lines of the rule are restated here against the PrincipalView.
import { CommonErrorCode, PrincipalView, RequestContext, TokensErrorCode, WardenError } from '@warden/contracts';

export type TokenPermission = 'tokens:read' | 'tokens:write';

export interface TokenTarget {
  organizationId: string;
  /** The teams of the token's owner, for a team-scoped grant (a manager's). */
  ownerTeams: readonly string[];
}

export function callerOf(context: RequestContext): PrincipalView {
  if (!context.principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  return context.principal;
}

/** Seed 000: the super admin and the internal service account act with every permission; a narrowed token never does. */
export function actsAsSuperAdmin(caller: PrincipalView): boolean {
  if (caller.credential.permissions !== undefined) return false;
  return caller.isSuperAdmin || caller.accountType === 'service_internal';
}

export function requireTokenPermission(caller: PrincipalView, permission: TokenPermission, target: TokenTarget, tokenId?: string): void {
  if (target.organizationId !== caller.organizationId) {
    throw new WardenError(TokensErrorCode.TokenNotFound, tokenId ? `token ${tokenId} does not exist` : 'the token does not exist');
  }
  if (actsAsSuperAdmin(caller)) return;
  const scope = Object.hasOwn(caller.permissions, permission) ? caller.permissions[permission] : undefined;
  if (scope === 'organization') return;
  if (scope === 'team' && target.ownerTeams.some((team) => caller.teams.includes(team))) return;
  throw new WardenError(
    CommonErrorCode.Forbidden,
    scope === undefined ? `missing permission ${permission}` : `${permission} is granted only for the caller's own teams`,
  );
}

/** Whether the caller could read the token: what decides if an introspection may say why a token is inactive. */
export function mayReadTokens(caller: PrincipalView, organizationId: string): boolean {
  try {
    requireTokenPermission(caller, 'tokens:read', { organizationId, ownerTeams: [] });
    return true;
  } catch {
    return false;
  }
}
