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
import { CONSOLE_SESSION } from './request-authenticator';
import {
  ConsoleSessionSettings,
  clearedConsoleSessionCookie,
  consoleOriginRefusal,
  consoleSessionCookie,
  consoleSessionKeyOf,
} from './console-session';
import { ConsoleSessionView } from './console-session.dto';
import { ExchangedTokenView } from './exchanged-token.dto';
import { LOGIN_BODY_EXAMPLES, LoginDto } from './login.dto';
import { LoginThrottle } from './login-throttle';
import { contextOf, requirePrincipal } from './principal-of-request';
import { whoAmIOf } from './verification-answered-routes';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(CONSOLE_SESSION) private readonly console: ConsoleSessionSettings,
  ) {}

  /**
   * Log in with a username and password
   *
   * @remarks A short-lived login key (`SESSION_TTL_SECONDS`) for a username and password. Failed logins
   * are throttled per username and per client address (429 with `Retry-After`).
   */
  // The session is started for the user the users service just verified, never for an id taken from the request.
  @Post('login')
  @HttpCode(200)
  @ApiBody({ type: LoginDto, examples: LOGIN_BODY_EXAMPLES })
  login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    return this.startSession(body, request, reply);
  }

  /**
   * Log in to the console
   *
   * @remarks The login of `POST /auth/login`, for the console: the key is set in an `HttpOnly`,
   * `SameSite=Strict` cookie (`Secure` when the gateway is reached over TLS) that no page script
   * can read, and is not in the answer. Throttled, timed and ended (`POST /auth/logout`) as every
   * login session. Only from the console's own origin: `Origin` must be the gateway's
   * (`PUBLIC_BASE_URL`), as on every state-changing request the cookie authenticates.
   */
  @Post('console/login')
  @HttpCode(200)
  async consoleLogin(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionView> {
    const refusal = consoleOriginRefusal(request.method, request.headers.origin, this.console);
    if (refusal !== undefined) throw new WardenError(CommonErrorCode.Forbidden, refusal);
    const session = await this.startSession(body, request, reply);
    void reply.header('set-cookie', consoleSessionCookie(session.key, session.expires_at, this.console));
    return { expires_at: session.expires_at };
  }

  private async startSession(body: LoginDto, request: FastifyRequest, reply: FastifyReply): Promise<LoginResponse> {
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
   * Exchange a service account's login key for an API token
   *
   * @remarks A service account's login key, presented as the credential, exchanged for a long-lived
   * API token of the same account (tokens belong only to service accounts). The secret is in
   * this answer only, as `key` and as `token`.
   */
  @Post('token')
  @HttpCode(200)
  async exchange(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ExchangedTokenView> {
    void reply.header('cache-control', 'no-store');
    const issued = await this.services.send<IssuedTokenView>(TokensSubjects.exchange, { context: contextOf(request), payload: {} });
    return { key: issued.token, domain: null, ...issued };
  }

  /**
   * Who the presented credential stands for
   *
   * @remarks Who the credential of this request stands for, answered from its verification alone
   * (no service is asked): for a client checking its key, and the cheapest authenticated route.
   */
  // Served by answerFromVerification (verification-answered-routes.ts) without Nest's router;
  // declared here for the API description, and answering alike wherever Nest routes it.
  @Get('whoami')
  whoami(@Req() request: FastifyRequest): WhoAmIResponse {
    return whoAmIOf(requirePrincipal(request));
  }

  /**
   * End the login session
   *
   * @remarks Ends the session that authenticated this request; the console's cookie, when sent, is cleared.
   */
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.services.send(AuthSubjects.endSession, { context: contextOf(request), payload: {} });
    if (consoleSessionKeyOf(request.headers) !== undefined) void reply.header('set-cookie', clearedConsoleSessionCookie(this.console));
  }
}
