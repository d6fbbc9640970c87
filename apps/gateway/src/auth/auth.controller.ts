import { effectivePermissions, principalOfView } from '@warden/access';
import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import {
  AuthErrorCode,
  AuthSubjects,
  CommonErrorCode,
  IssuedTokenView,
  LoginResponse,
  TokensSubjects,
  StartSessionRequest,
  VerifiedUser,
  VerifyPasswordRequest,
  WardenError,
  WhoAmIResponse,
} from '@warden/contracts';
import { ServiceClient, loginThrottlesTotal, requestContextFrom } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginDto } from './login.dto';
import { LoginThrottle } from './login-throttle';
import { contextOf, requirePrincipal } from './principal-of-request';

type ExchangedTokenResponse = IssuedTokenView & { key: string; domain: null };

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Seed 003: username and password for a short-lived key. The session is started for the
   * user the users service just verified, never for an id taken from the request.
   */
  @Post('login')
  @HttpCode(200)
  @ApiBody({
    type: LoginDto,
    examples: { 'seed 003: a service account': { value: { username: 'api_user@mycompany', password: 'myserviceaccoutpassword' } } },
  })
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    void reply.header('cache-control', 'no-store');
    const attempt = await this.throttle.attempt(body.username, request.ip);
    if (!attempt.allowed) {
      loginThrottlesTotal().inc();
      void reply.header('retry-after', String(attempt.retryAfterSeconds));
      throw new WardenError(CommonErrorCode.RateLimited, 'Too many failed logins; try again later');
    }
    const context = requestContextFrom(request);
    let session: LoginResponse;
    try {
      const user = await this.services.send<VerifiedUser, VerifyPasswordRequest>(AuthSubjects.verifyPassword, {
        context,
        payload: { username: body.username, password: body.password },
      });
      session = await this.services.send<LoginResponse, StartSessionRequest>(AuthSubjects.startSession, {
        context,
        payload: { userId: user.userId, organizationId: user.organizationId },
      });
    } catch (error) {
      // Only a wrong guess counts against the limits; an outage is not the caller's.
      if (!(error instanceof WardenError && error.code === AuthErrorCode.InvalidCredentials)) await this.throttle.refund(attempt);
      throw error;
    }
    await this.throttle.refund(attempt);
    return { key: session.key, domain: null, expires_at: session.expires_at };
  }

  /**
   * Seed 003: the login key presented as the Bearer credential, exchanged for a long-lived
   * API token of the same service account (seed 001: tokens belong only to service
   * accounts). Answers seed 003's `key` with the token's view; the secret only here.
   */
  @Post('token')
  @HttpCode(200)
  async exchange(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ExchangedTokenResponse> {
    void reply.header('cache-control', 'no-store');
    const issued = await this.services.send<IssuedTokenView>(TokensSubjects.exchange, { context: contextOf(request), payload: {} });
    return { key: issued.token, domain: null, ...issued };
  }

  /**
   * Who the credential of this request stands for, answered from its verification alone
   * (no service is asked): for a client checking its key, and the cheapest authenticated route.
   */
  @Get('whoami')
  whoami(@Req() request: FastifyRequest): WhoAmIResponse {
    const principal = requirePrincipal(request);
    const effective = principalOfView(principal);
    const { kind, id, expiresAt, permissions } = principal.credential;
    return {
      user_id: principal.userId,
      organization_id: principal.organizationId,
      account_type: principal.accountType,
      roles: principal.roles,
      teams: principal.teams,
      permissions: effectivePermissions(effective),
      is_super_admin: effective.isSuperAdmin,
      platform_admin: effective.platformAdmin,
      acts_as_super_admin: effective.unrestricted,
      credential: { kind, id, expires_at: expiresAt, ...(permissions !== undefined && { permissions }) },
    };
  }

  /** Ends the session that authenticated this request. */
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest): Promise<void> {
    await this.services.send(AuthSubjects.endSession, { context: contextOf(request), payload: {} });
  }
}
