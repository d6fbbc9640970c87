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
import { PermissionScope } from '@warden/contracts';
import { RequiredPermission, attachWardenPrincipal, authenticateRequest, requiredPermissionOf, wardenPrincipalOf, wardenProblem } from './request-authentication';
import { VerifyPresented, WardenVerifier, WardenVerifierOptions, createWardenVerifier } from './warden-verifier';

// A NestJS guard for services that receive calls authenticated with Warden secrets (a
// webhook processor, an internal service): the presented key is verified (against Warden's
// read model in Redis, or by Warden's introspection over HTTP), the caller becomes the
// request's principal, and a route may require a permission. HTTP only; any other context
// is refused (fail closed). The decision is request-authentication.ts', as the Fastify hook's.

/** The verification function the guard calls; `WardenAuthModule` provides one. */
export const WARDEN_VERIFIER = Symbol.for('@warden/token-verifier:verifier');
export const WARDEN_AUTH_OPTIONS = Symbol.for('@warden/token-verifier:options');
const REQUIRED_PERMISSION = '@warden/token-verifier:required-permission';

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
    const problem = wardenProblem(code, detail);
    super(problem, problem.status);
    this.message = detail;
  }
}

/** Handler parameter: the authenticated caller. */
export const WardenPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  wardenPrincipalOf(context.switchToHttp().getRequest<object>()),
);

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
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined>; ip?: string }>();
    const outcome = await authenticateRequest(this.verify, request.headers, request.ip ?? null, this.requiredPermission(context));
    if (outcome.headers) {
      const response = http.getResponse<object>();
      for (const [name, value] of Object.entries(outcome.headers)) setHeader(response, name, value);
    }
    if (!outcome.ok) {
      const { problem } = outcome;
      if (outcome.why !== undefined) this.logger.warn(outcome.why);
      if (problem.code === 'unauthenticated' || problem.code === 'forbidden') throw new WardenAuthError(problem.code, problem.detail);
      throw new HttpException(problem, problem.status);
    }
    attachWardenPrincipal(request, outcome.principal);
    return true;
  }

  private requiredPermission(context: ExecutionContext): RequiredPermission | undefined {
    const onRoute = this.reflector.getAllAndOverride<RequiredPermission | undefined>(REQUIRED_PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    return onRoute ?? requiredPermissionOf(this.options.requiredPermission);
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
