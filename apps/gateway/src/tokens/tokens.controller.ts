import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ActiveTokenIntrospection,
  InactiveTokenIntrospection,
  ISSUE_TOKEN_BODY_EXAMPLES,
  IssueTokenBody,
  IssuedTokenView,
  LeakReportAnswer,
  ListTokensQuery,
  PageSlice,
  ReassignTokenBody,
  ReportLeakedTokenBody,
  ROTATE_TOKEN_BODY_EXAMPLES,
  RotateTokenBody,
  TokenIntrospection,
  TokenPage,
  TokenView,
  TokensSubjects,
  UPDATE_TOKEN_BODY_EXAMPLES,
  UpdateTokenBody,
  VerifyTokenBody,
} from '@warden/contracts';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/principal-of-request';
import { requestUrlOf, withPageLinks } from '../http/page-links';
import { TokenIntrospector } from './token-introspector';

@ApiTags('tokens')
@Controller('tokens')
export class TokensController {
  constructor(
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(TokenIntrospector) private readonly introspector: TokenIntrospector,
  ) {}

  /**
   * Issue an API token
   *
   * @remarks For a service account of the caller's organization. The secret is in this answer once
   * (`token`), never again: only its SHA-256 is kept. A `public` token works only from its
   * `allowed_origins`; `permissions` narrow it to some of its owner's.
   */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: IssueTokenBody, examples: ISSUE_TOKEN_BODY_EXAMPLES })
  issue(@Body() body: IssueTokenBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<IssuedTokenView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(TokensSubjects.issue, { context: contextOf(request), payload: body });
  }

  /**
   * List API tokens
   *
   * @remarks The caller's organization's tokens, never their secrets.
   */
  @Get()
  async list(@Query() query: ListTokensQuery, @Req() request: FastifyRequest): Promise<TokenPage> {
    const slice = await this.services.send<PageSlice<TokenView>>(TokensSubjects.list, {
      context: contextOf(request),
      payload: { ...query, page: query.page ?? 1, page_size: query.page_size ?? 20 },
    });
    return withPageLinks(slice, requestUrlOf(request));
  }

  /**
   * Introspect a token
   *
   * @remarks RFC 7662 in spirit: `{active: true, ...}` with who the token stands for, or `{active: false}`,
   * with the `reason` only for a caller who may read tokens. Another organization's token reads
   * as inactive.
   */
  @Post('verify')
  @HttpCode(200)
  @ApiExtraModels(ActiveTokenIntrospection, InactiveTokenIntrospection)
  @ApiOkResponse({
    description: 'Whether the token works, and for whom',
    schema: { oneOf: [{ $ref: getSchemaPath(ActiveTokenIntrospection) }, { $ref: getSchemaPath(InactiveTokenIntrospection) }] },
  })
  verify(@Body() body: VerifyTokenBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenIntrospection> {
    void reply.header('cache-control', 'no-store');
    return this.introspector.introspect(body, request);
  }

  /**
   * Report a leaked API token
   *
   * @remarks For any authenticated caller who found a Warden API token exposed: the token is revoked
   * (or disabled, per its organization's `leaked_token_action`) and `TokenLeaked` recorded. The answer is
   * the same whether the token exists, works or belongs to another organization.
   */
  @Post('report-leaked')
  @HttpCode(200)
  reportLeaked(@Body() body: ReportLeakedTokenBody, @Req() request: FastifyRequest): Promise<LeakReportAnswer> {
    return this.services.send(TokensSubjects.reportLeaked, { context: contextOf(request), payload: body });
  }

  /**
   * Read an API token
   *
   * @remarks Never its secret: its prefix and last four characters tell it apart.
   */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.get, { context: contextOf(request), payload: { id } });
  }

  /**
   * Change an API token's description, metadata or usage policy
   *
   * @remarks The fields given change, the others stay; null removes a rate limit, credits or the description.
   * `allowed_ips` limits the client addresses it works from, `rate_limit` its requests per window (429 past it),
   * `credits` how many requests it may still authenticate (setting them starts the count again).
   */
  @Patch(':id')
  @ApiBody({ type: UpdateTokenBody, examples: UPDATE_TOKEN_BODY_EXAMPLES })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateTokenBody, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.update, { context: contextOf(request), payload: { ...body, id } });
  }

  /**
   * Revoke an API token
   *
   * @remarks Every secret of the token stops working when this answers.
   */
  @Post(':id/revoke')
  @HttpCode(200)
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.revoke, { context: contextOf(request), payload: { id } });
  }

  /**
   * Disable an API token
   *
   * @remarks Every secret of the token is refused (reason `disabled`) when this answers, until it is enabled again.
   */
  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.disable, { context: contextOf(request), payload: { id } });
  }

  /**
   * Enable a disabled API token
   *
   * @remarks Its secrets work again when this answers; a revoked token cannot be enabled.
   */
  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.enable, { context: contextOf(request), payload: { id } });
  }

  /**
   * Rotate an API token's secret
   *
   * @remarks A new secret, in this answer once; the old one works until the grace period ends (0, the default: at once).
   */
  @Post(':id/rotate')
  @HttpCode(200)
  @ApiBody({ type: RotateTokenBody, examples: ROTATE_TOKEN_BODY_EXAMPLES })
  rotate(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: RotateTokenBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedTokenView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(TokensSubjects.rotate, { context: contextOf(request), payload: { ...body, id } });
  }

  /**
   * Give an API token to another service account
   *
   * @remarks To another service account of the organization; the former owner can then be deleted.
   */
  @Post(':id/reassign')
  @HttpCode(200)
  reassign(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: ReassignTokenBody, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.reassign, { context: contextOf(request), payload: { ...body, id } });
  }
}
