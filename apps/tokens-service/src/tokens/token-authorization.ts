// The token routes authorize through the access library, as every service does: one
// permission, one target; a token of another organization reads as "not found", so
// tenants cannot learn each other's token ids.
import { AccessTarget, Principal, authorize, principalOfView } from '@warden/access';
import { CommonErrorCode, RequestContext, TokensErrorCode, WardenError } from '@warden/contracts';

export type TokenPermission = 'tokens:read' | 'tokens:write';

export function callerOf(context: RequestContext): Principal {
  if (!context.principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'this request needs an authenticated caller');
  return principalOfView(context.principal);
}

export function requireTokenPermission(caller: Principal, permission: TokenPermission, target: AccessTarget, tokenId?: string): void {
  const decision = authorize(caller, permission, target);
  if (decision.allowed) return;
  if (decision.elsewhere) throw new WardenError(TokensErrorCode.TokenNotFound, tokenId ? `token ${tokenId} does not exist` : 'the token does not exist');
  throw new WardenError(CommonErrorCode.Forbidden, decision.reason);
}
