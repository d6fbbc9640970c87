import { RequiredPermission, attachWardenPrincipal, authenticateRequest, requiredPermissionOf } from './request-authentication';
import type { VerifyPresented } from './warden-verifier';

// The verifier for a Fastify service without NestJS: one hook, the same decision and the same
// problem documents as the NestJS guard (request-authentication.ts), and no framework in the
// way: a cached verification costs the hook a hash, a lookup and a copy of the principal.

export interface WardenFastifyHookOptions {
  /** Required of every request the hook sees: a permission name, or one with `{ scope: 'organization' }`. */
  requiredPermission?: string | RequiredPermission;
  /** Told why a request was answered 503 (Warden could not decide), for the service's logs. */
  onUnavailable?: (why: string) => void;
}

/** What the hook reads of Fastify's request. */
export interface WardenHookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The client address, after Fastify's `trustProxy`. */
  ip?: string;
}

/** What the hook uses of Fastify's reply. */
export interface WardenHookReply {
  header(name: string, value: string): unknown;
  code(status: number): WardenHookReply;
  type(contentType: string): WardenHookReply;
  send(payload: unknown): unknown;
}

/**
 * A Fastify `onRequest` hook: `app.addHook('onRequest', wardenFastifyHook(verifier))` for every
 * route, or a route's own `{ onRequest: wardenFastifyHook(verifier, { requiredPermission:
 * 'records:write' }) }`. The caller is then `wardenPrincipalOf(request)`; a request without a
 * valid credential is answered 401, one without the permission 403, one past its token's rate
 * limit 429 and, while Warden cannot decide, 503, as `application/problem+json`.
 */
export function wardenFastifyHook(verify: VerifyPresented, options: WardenFastifyHookOptions = {}) {
  const required = requiredPermissionOf(options.requiredPermission);
  return async function wardenAuthentication(request: WardenHookRequest, reply: WardenHookReply): Promise<unknown> {
    const outcome = await authenticateRequest(verify, request.headers, request.ip ?? null, required);
    if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) reply.header(name, value);
    if (outcome.ok) {
      attachWardenPrincipal(request, outcome.principal);
      return undefined;
    }
    if (outcome.why !== undefined) options.onUnavailable?.(outcome.why);
    // Returning the reply ends the request here (Fastify's rule for an async hook that answered).
    return reply.code(outcome.problem.status).type('application/problem+json').send(outcome.problem);
  };
}
