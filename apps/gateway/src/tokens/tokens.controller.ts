import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  IssueTokenBody,
  IssuedTokenView,
  ListTokensQuery,
  Page,
  PageSlice,
  ReassignTokenBody,
  RotateTokenBody,
  TokenIntrospection,
  TokenView,
  TokensSubjects,
  VerifyTokenBody,
} from '@warden/contracts';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/principal-of-request';
import { requestUrlOf, withPageLinks } from '../organizations/page-links';
import { TokenIntrospector } from './token-introspector';

@ApiTags('tokens')
@Controller('tokens')
export class TokensController {
  constructor(
    @Inject(ServiceClient) private readonly services: ServiceClient,
    @Inject(TokenIntrospector) private readonly introspector: TokenIntrospector,
  ) {}

  /** The secret is in this answer once (seed 004's `api_token` fields), never again. */
  @Post()
  @HttpCode(201)
  @ApiBody({
    type: IssueTokenBody,
    examples: {
      'seed 001: a token for a service account, usable from one origin': {
        value: {
          user_id: '5e0bd5fe-117f-4049-b686-1548b1ee5e14',
          name: 'DocuSign Connect',
          visibility: 'public',
          allowed_origins: ['https://shop.example.com'],
          expires_at: '2030-01-01T00:00:00Z',
          permissions: ['users:read'],
        },
      },
    },
  })
  issue(@Body() body: IssueTokenBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<IssuedTokenView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(TokensSubjects.issue, { context: contextOf(request), payload: body });
  }

  @Get()
  async list(@Query() query: ListTokensQuery, @Req() request: FastifyRequest): Promise<Page<TokenView>> {
    const slice = await this.services.send<PageSlice<TokenView>>(TokensSubjects.list, {
      context: contextOf(request),
      payload: { ...query, page: query.page ?? 1, page_size: query.page_size ?? 20 },
    });
    return withPageLinks(slice, requestUrlOf(request));
  }

  /** RFC 7662 in spirit: `{active: ...}`, the reason only for a caller who may read tokens. */
  @Post('verify')
  @HttpCode(200)
  verify(@Body() body: VerifyTokenBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenIntrospection> {
    void reply.header('cache-control', 'no-store');
    return this.introspector.introspect(body, request);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.get, { context: contextOf(request), payload: { id } });
  }

  @Post(':id/revoke')
  @HttpCode(200)
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.revoke, { context: contextOf(request), payload: { id } });
  }

  /** A new secret, in this answer once; the old one works until the grace period ends. */
  @Post(':id/rotate')
  @HttpCode(200)
  @ApiBody({ type: RotateTokenBody, examples: { 'the old secret works five more minutes': { value: { grace_period_seconds: 300 } } } })
  rotate(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: RotateTokenBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedTokenView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(TokensSubjects.rotate, { context: contextOf(request), payload: { ...body, id } });
  }

  @Post(':id/reassign')
  @HttpCode(200)
  reassign(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: ReassignTokenBody, @Req() request: FastifyRequest): Promise<TokenView> {
    return this.services.send(TokensSubjects.reassign, { context: contextOf(request), payload: { ...body, id } });
  }
}
