import { CommonErrorCode, PrincipalView, RequestContext, WardenError } from '@warden/contracts';
import { requestContextFrom } from '@warden/platform';
import type { FastifyRequest } from 'fastify';
import { keyFingerprintOf } from '../idempotency/idempotency-key';

// Authentication attaches the caller to the request under a symbol of this module (nothing
// a request carries can set it); controllers read it back through `contextOf(request)`,
// which is what every command and query they send carries. A property rather than a
// WeakMap entry: the garbage collector traces each entry of a WeakMap apart, one per request.
const PRINCIPAL = Symbol('principal');

type RequestWithPrincipal = FastifyRequest & { [PRINCIPAL]?: PrincipalView };

export function attachPrincipal(request: FastifyRequest, principal: PrincipalView): void {
  (request as RequestWithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(request: FastifyRequest): PrincipalView | undefined {
  return (request as RequestWithPrincipal)[PRINCIPAL];
}

/** The caller of a route the guard authenticates; throws if the guard did not run. */
export function requirePrincipal(request: FastifyRequest): PrincipalView {
  const principal = principalOf(request);
  if (!principal) throw new WardenError(CommonErrorCode.Unauthenticated, 'Authentication required');
  return principal;
}

/** The actor fields of a RequestContext: who the caller is, or `anonymous`. */
export function actorFrom(principal: PrincipalView | undefined): Pick<RequestContext, 'actorType' | 'actorId' | 'organizationId' | 'principal'> {
  if (!principal) return { actorType: 'anonymous' };
  return { actorType: principal.accountType, actorId: principal.userId, organizationId: principal.organizationId, principal };
}

/** The RequestContext to send with a command or query: correlation id, client, the caller, and an idempotency key's fingerprint. */
export function contextOf(request: FastifyRequest): RequestContext {
  const idempotencyFingerprint = keyFingerprintOf(request);
  return requestContextFrom(request, { ...actorFrom(principalOf(request)), ...(idempotencyFingerprint ? { idempotencyFingerprint } : {}) });
}
