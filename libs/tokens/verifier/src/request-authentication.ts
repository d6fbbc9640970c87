import { holdsAnywhere, holdsOrganizationWide, principalOfView } from '@warden/access';
import { PermissionScope, PrincipalView } from '@warden/contracts';
import { VerificationResult, VerificationUnavailableError } from './verify-credential';
import { VerifyPresented, verifyRequest } from './warden-verifier';

// What a service receiving calls authenticated with Warden secrets decides for each request,
// whatever its framework: the NestJS guard (warden-auth.guard.ts) and the Fastify hook
// (warden-fastify.ts) answer from this one decision, with the same problem documents.

export interface RequiredPermission {
  permission: string;
  /** `organization`: only an organization-wide grant will do; by default a team grant counts too. */
  scope?: PermissionScope;
}

/** RFC 7807 problem document of a refused request. */
export interface WardenProblem {
  type: string;
  title: string;
  status: 401 | 403 | 429 | 503;
  detail: string;
  code: 'unauthenticated' | 'forbidden' | 'rate_limited' | 'service_unavailable';
}

/** The principal, or the refusal to answer; with the headers to send either way (a token's rate limit, `WWW-Authenticate`). */
export type RequestAuthentication =
  | { ok: true; principal: PrincipalView; headers: Record<string, string> | undefined }
  | { ok: false; problem: WardenProblem; headers: Record<string, string> | undefined; why?: string };

interface RequestWithPrincipal {
  wardenPrincipal?: PrincipalView;
}

/** The principal the guard or the hook attached, or undefined on a route neither protects. */
export function wardenPrincipalOf(request: object): PrincipalView | undefined {
  return (request as RequestWithPrincipal).wardenPrincipal;
}

/** Attaches the authenticated principal to the request, where `wardenPrincipalOf` finds it. */
export function attachWardenPrincipal(request: object, principal: PrincipalView): void {
  (request as RequestWithPrincipal).wardenPrincipal = principal;
}

/**
 * Whether the caller holds the route's permission, by the same rule as Warden itself (a
 * super admin and the internal service account hold every one, except through a narrowed
 * API token); by default a grant for the caller's teams counts too.
 */
export function holdsPermission(principal: PrincipalView, required: RequiredPermission): boolean {
  const caller = principalOfView(principal);
  return required.scope === 'organization' ? holdsOrganizationWide(caller, required.permission) : holdsAnywhere(caller, required.permission);
}

/** A required permission as the options give it (a name alone: any scope). */
export function requiredPermissionOf(option: string | RequiredPermission | undefined): RequiredPermission | undefined {
  return typeof option === 'string' ? { permission: option } : option;
}

const PROBLEMS: Record<WardenProblem['code'], Pick<WardenProblem, 'status' | 'title'>> = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  rate_limited: { status: 429, title: 'Too many requests' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
};

/** The problem document for a refusal. */
export function wardenProblem(code: WardenProblem['code'], detail: string): WardenProblem {
  const { status, title } = PROBLEMS[code];
  return { type: `urn:warden:problem:${code}`, title, status, detail, code };
}

/**
 * Verifies the credential the request presents (`Authorization: Bearer` or `x-api-key`, from
 * its `Origin` and client address) and checks the route's permission.
 */
export async function authenticateRequest(
  verify: VerifyPresented,
  headers: Record<string, string | string[] | undefined>,
  clientAddress: string | null,
  required: RequiredPermission | undefined,
): Promise<RequestAuthentication> {
  let result: VerificationResult | undefined;
  try {
    result = await verifyRequest(verify, headers, clientAddress);
  } catch (error) {
    if (!(error instanceof VerificationUnavailableError)) throw error;
    return { ok: false, problem: wardenProblem('service_unavailable', error.detail), headers: undefined, why: error.message };
  }
  let sent: Record<string, string> | undefined;
  const rateLimit = result?.ok ? result.usage?.rateLimit : result?.rateLimit;
  if (rateLimit) {
    const seconds = Math.max(1, Math.ceil((rateLimit.resetAt - Date.now()) / 1000));
    sent = { 'ratelimit-policy': `"token";q=${rateLimit.limit};w=${rateLimit.windowSeconds}`, ratelimit: `"token";r=${rateLimit.remaining};t=${seconds}` };
    if (result && !result.ok && result.reason === 'rate_limited') {
      // The holder of a token past its limit must learn when to come back.
      sent['retry-after'] = String(seconds);
      return { ok: false, problem: wardenProblem('rate_limited', "The token's rate limit is reached; try again after Retry-After seconds"), headers: sent };
    }
  }
  if (!result?.ok) {
    // Why it failed stays here: a caller must not learn which keys exist or which owners are active.
    sent = { ...sent, 'www-authenticate': 'Bearer realm="warden"' };
    return { ok: false, problem: wardenProblem('unauthenticated', 'A valid Warden session key or API token is required'), headers: sent };
  }
  if (required && !holdsPermission(result.principal, required)) {
    return { ok: false, problem: wardenProblem('forbidden', `This route requires the permission ${required.permission}`), headers: sent };
  }
  return { ok: true, principal: result.principal, headers: sent };
}
