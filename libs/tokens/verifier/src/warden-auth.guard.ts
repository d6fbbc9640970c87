import {
  CanActivate,
  DynamicModule,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  Optional,
  SetMetadata,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { holdsAnywhere, holdsOrganizationWide, principalOfView } from '@warden/access';
import { PermissionScope, PrincipalView } from '@warden/contracts';
import { VerificationResult, VerificationUnavailableError } from './verify-credential';
import { VerifyPresented, WardenVerifier, WardenVerifierOptions, createWardenVerifier, verifyRequest } from './warden-verifier';

// A NestJS guard for services that receive calls authenticated with Warden secrets (a
// webhook processor, an internal service): the presented key is verified (against Warden's
// read model in Redis, or by Warden's introspection over HTTP), the caller becomes the
// request's principal, and a route may require a permission. HTTP only; any other context
// is refused (fail closed).

/** The verification function the guard calls; `WardenAuthModule` provides one. */
export const WARDEN_VERIFIER = Symbol.for('@warden/token-verifier:verifier');
export const WARDEN_AUTH_OPTIONS = Symbol.for('@warden/token-verifier:options');
const REQUIRED_PERMISSION = '@warden/token-verifier:required-permission';

export interface RequiredPermission {
  permission: string;
  /** `organization`: only an organization-wide grant will do; by default a team grant counts too. */
  scope?: PermissionScope;
}

export interface WardenAuthGuardOptions {
  /** Required on every route the guard protects, unless a route says otherwise with `@RequirePermission`. */
  requiredPermission?: string | RequiredPermission;
}

/** The permission a route (or every route of a controller) requires of the caller. */
export const RequirePermission = (permission: string, options: { scope?: PermissionScope } = {}) =>
  SetMetadata(REQUIRED_PERMISSION, { permission, ...options } satisfies RequiredPermission);

/** RFC 7807 problem document as the response body; Warden's own exception filter renders it as `application/problem+json`. */
export class WardenAuthError extends HttpException {
  constructor(
    readonly code: 'unauthenticated' | 'forbidden',
    detail: string,
  ) {
    const status = code === 'unauthenticated' ? 401 : 403;
    const title = code === 'unauthenticated' ? 'Authentication required' : 'Forbidden';
    super({ type: `urn:warden:problem:${code}`, title, status, detail, code }, status);
    this.message = detail;
  }
}

interface RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  /** The client address as the framework gives it (Fastify and Express: after their trusted-proxy settings). */
  ip?: string;
  wardenPrincipal?: PrincipalView;
}

/** The principal the guard attached, or undefined on a route it does not protect. */
export function wardenPrincipalOf(request: object): PrincipalView | undefined {
  return (request as RequestWithPrincipal).wardenPrincipal;
}

/** Handler parameter: the authenticated caller. */
export const WardenPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  wardenPrincipalOf(context.switchToHttp().getRequest<object>()),
);

/**
 * Whether the caller holds the route's permission, by the same rule as Warden itself (a
 * super admin and the internal service account hold every one, except through a narrowed
 * API token); by default a grant for the caller's teams counts too.
 */
export function holdsPermission(principal: PrincipalView, required: RequiredPermission): boolean {
  const caller = principalOfView(principal);
  return required.scope === 'organization' ? holdsOrganizationWide(caller, required.permission) : holdsAnywhere(caller, required.permission);
}

@Injectable()
export class WardenAuthGuard implements CanActivate {
  private readonly logger = new Logger(WardenAuthGuard.name);

  constructor(
    @Inject(WARDEN_VERIFIER) private readonly verify: VerifyPresented,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional() @Inject(WARDEN_AUTH_OPTIONS) private readonly options: WardenAuthGuardOptions = {},
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') throw new WardenAuthError('unauthenticated', 'WardenAuthGuard protects HTTP routes only');
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithPrincipal>();
    const result = await this.verifyOrUnavailable(request.headers, request.ip ?? null);
    const rateLimit = result?.ok ? result.usage?.rateLimit : result?.rateLimit;
    const response = http.getResponse<object>();
    if (rateLimit) {
      const seconds = Math.max(1, Math.ceil((rateLimit.resetAt - Date.now()) / 1000));
      setHeader(response, 'ratelimit-policy', `"token";q=${rateLimit.limit};w=${rateLimit.windowSeconds}`);
      setHeader(response, 'ratelimit', `"token";r=${rateLimit.remaining};t=${seconds}`);
      if (result && !result.ok && result.reason === 'rate_limited') {
        // The holder of a token past its limit must learn when to come back.
        setHeader(response, 'retry-after', String(seconds));
        const detail = "The token's rate limit is reached; try again after Retry-After seconds";
        throw new HttpException({ type: 'urn:warden:problem:rate_limited', title: 'Too many requests', status: 429, detail, code: 'rate_limited' }, 429);
      }
    }
    if (!result?.ok) {
      // Why it failed stays here: a caller must not learn which keys exist or which owners are active.
      setHeader(response, 'www-authenticate', 'Bearer realm="warden"');
      throw new WardenAuthError('unauthenticated', 'A valid Warden session key or API token is required');
    }
    const required = this.requiredPermission(context);
    if (required && !holdsPermission(result.principal, required)) {
      throw new WardenAuthError('forbidden', `This route requires the permission ${required.permission}`);
    }
    request.wardenPrincipal = result.principal;
    return true;
  }

  private async verifyOrUnavailable(headers: RequestWithPrincipal['headers'], clientAddress: string | null): Promise<VerificationResult | undefined> {
    try {
      return await verifyRequest(this.verify, headers, clientAddress);
    } catch (error) {
      if (!(error instanceof VerificationUnavailableError)) throw error;
      this.logger.warn(error.message);
      throw new HttpException(
        { type: `urn:warden:problem:${error.code}`, title: 'Service unavailable', status: 503, detail: error.detail, code: error.code },
        503,
      );
    }
  }

  private requiredPermission(context: ExecutionContext): RequiredPermission | undefined {
    const onRoute = this.reflector.getAllAndOverride<RequiredPermission | undefined>(REQUIRED_PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    const fallback = this.options.requiredPermission;
    return onRoute ?? (typeof fallback === 'string' ? { permission: fallback } : fallback);
  }
}

// Fastify's reply and Express' response both have header(); a bare ServerResponse has setHeader().
function setHeader(response: object, name: string, value: string): void {
  const target = response as { header?: (n: string, v: string) => unknown; setHeader?: (n: string, v: string) => unknown };
  if (typeof target.header === 'function') target.header(name, value);
  else target.setHeader?.(name, value);
}

class WardenVerifierLifecycle implements OnApplicationShutdown {
  constructor(@Inject(WARDEN_VERIFIER) private readonly verifier: WardenVerifier) {}

  async onApplicationShutdown(): Promise<void> {
    await this.verifier.close();
  }
}

/**
 * Provides the verifier and the guard to the whole application:
 * `WardenAuthModule.forRoot({ redisUrl, keyPrefix: 'warden:' })` (or `{ introspection: { url, credential } }`),
 * then `@UseGuards(WardenAuthGuard)` on a controller, or the guard as APP_GUARD.
 */
@Module({})
export class WardenAuthModule {
  static forRoot(options: WardenVerifierOptions & WardenAuthGuardOptions): DynamicModule {
    const { requiredPermission, ...verifierOptions } = options;
    return {
      module: WardenAuthModule,
      global: true,
      providers: [
        { provide: WARDEN_VERIFIER, useFactory: () => createWardenVerifier(verifierOptions) },
        { provide: WARDEN_AUTH_OPTIONS, useValue: { requiredPermission } satisfies WardenAuthGuardOptions },
        WardenAuthGuard,
        WardenVerifierLifecycle,
      ],
      exports: [WARDEN_VERIFIER, WARDEN_AUTH_OPTIONS, WardenAuthGuard],
    };
  }
}
