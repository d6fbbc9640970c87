import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  AuditBackfillReport,
  AuditChainVerification,
  AuditEventsPage,
  AuditRecordView,
  AuditRequestSubjects,
  BrokenAuditChain,
  CommonErrorCode,
  IntactAuditChain,
  ListAuditEventsRequest,
  PLATFORM_AUDIT_CHAIN,
  TokenAsOfRequest,
  TokenAsOfView,
  UserAsOfRequest,
  UserAsOfView,
  VerifyAuditChainRequest,
  WardenError,
} from '@warden/contracts';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { contextOf, requirePrincipal } from '../auth/principal-of-request';
import { organizationToRead, requireAuditReader, subjectScope } from './audit-access';
import { AsOfQuery, AuditEventsFilterQuery, ListAuditEventsQuery, PageQuery, VerifyAuditChainQuery } from './list-audit-events.query';

const DEFAULT_PAGE_SIZE = 50;
// Small enough that a page of records with large data stays well under NATS's payload limit.
const EXPORT_PAGE_SIZE = 200;

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * List audit records
   *
   * @remarks `audit:read`: the caller's organization; the platform admin may name any. Newest or oldest
   * first, a page at a time: follow `next_cursor` until it is null.
   */
  @Get('events')
  list(@Query() query: ListAuditEventsQuery, @Req() request: FastifyRequest): Promise<AuditEventsPage> {
    const organizationId = organizationToRead(requirePrincipal(request), query.organization_id);
    return this.page(request, { ...query, organization_id: organizationId, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  /**
   * Export audit records as NDJSON
   *
   * @remarks The same filters as the list, as NDJSON: one audit record (as listed) per line, streamed.
   */
  // Page after page is asked for and written as the client reads, so the whole result never sits in memory.
  @Get('export')
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'One audit record per line',
    content: { 'application/x-ndjson': { schema: { type: 'string', description: `Lines of ${getSchemaPath(AuditRecordView)} as JSON` } } },
  })
  async export(@Query() query: AuditEventsFilterQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const organizationId = organizationToRead(requirePrincipal(request), query.organization_id);
    const filter: ListAuditEventsRequest = { ...query, organization_id: organizationId, limit: EXPORT_PAGE_SIZE };
    // The first page before the status line: a refusal still gets its problem document.
    const first = await this.page(request, filter);
    const pages = async function* (this: AuditController): AsyncGenerator<string> {
      let page = first;
      for (;;) {
        if (page.results.length > 0) yield page.results.map((record) => `${JSON.stringify(record)}\n`).join('');
        if (page.next_cursor === null) return;
        page = await this.page(request, { ...filter, cursor: page.next_cursor });
      }
    };
    reply
      .status(200)
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(Readable.from(pages.call(this)));
  }

  /**
   * Verify the audit log's hash chain
   *
   * @remarks Walks the hash chain of the caller's organization; the platform admin names any, `platform` or `all`.
   */
  @Get('verify')
  @ApiExtraModels(IntactAuditChain, BrokenAuditChain)
  @ApiOkResponse({
    description: 'Intact, or the first broken record',
    schema: { oneOf: [{ $ref: getSchemaPath(IntactAuditChain) }, { $ref: getSchemaPath(BrokenAuditChain) }] },
  })
  verify(@Query() query: VerifyAuditChainQuery, @Req() request: FastifyRequest): Promise<AuditChainVerification> {
    const principal = requirePrincipal(request);
    const named = query.organization_id;
    let payload: VerifyAuditChainRequest;
    if (named === 'all' || named === PLATFORM_AUDIT_CHAIN) {
      requireAuditReader(principal);
      if (!principal.platformAdmin) {
        throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin verifies chains beyond its organization');
      }
      payload = named === 'all' ? {} : { chain: PLATFORM_AUDIT_CHAIN };
    } else {
      payload = { chain: organizationToRead(principal, named?.toLowerCase()) };
    }
    return this.services.send(AuditRequestSubjects.verifyChain, { context: contextOf(request), payload });
  }

  /**
   * A user's audit history
   *
   * @remarks Every event about one user (its own stream, its sessions, events naming it), oldest first.
   */
  @Get('users/:id/history')
  userHistory(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: PageQuery, @Req() request: FastifyRequest): Promise<AuditEventsPage> {
    return this.history(id, query, request);
  }

  /**
   * A token's audit history
   *
   * @remarks Every event about one token, oldest first.
   */
  @Get('tokens/:id/history')
  tokenHistory(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: PageQuery, @Req() request: FastifyRequest): Promise<AuditEventsPage> {
    return this.history(id, query, request);
  }

  /**
   * A user as it was at a moment
   *
   * @remarks The user's state at a moment, folded from the users service's event store.
   */
  @Get('users/:id/as-of')
  userAsOf(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: AsOfQuery, @Req() request: FastifyRequest): Promise<UserAsOfView> {
    const payload: UserAsOfRequest = { user_id: id, at: query.at, organization_id: subjectScope(requirePrincipal(request)) };
    return this.services.send(AuditRequestSubjects.userAsOf, { context: contextOf(request), payload });
  }

  /**
   * A token as it was at a moment
   *
   * @remarks The token's state at a moment (valid then? owned by whom, with what), folded from the tokens service's event store.
   */
  @Get('tokens/:id/as-of')
  tokenAsOf(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: AsOfQuery, @Req() request: FastifyRequest): Promise<TokenAsOfView> {
    const payload: TokenAsOfRequest = { token_id: id, at: query.at, organization_id: subjectScope(requirePrincipal(request)) };
    return this.services.send(AuditRequestSubjects.tokenAsOf, { context: contextOf(request), payload });
  }

  /**
   * Record what the audit log lacks
   *
   * @remarks Records whatever the services' event stores hold and the audit log lacks: the platform admin only.
   */
  @Post('backfill')
  @HttpCode(200)
  backfill(@Req() request: FastifyRequest): Promise<AuditBackfillReport> {
    const principal = requirePrincipal(request);
    requireAuditReader(principal);
    if (!principal.platformAdmin) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin runs the audit backfill');
    return this.services.send(AuditRequestSubjects.runBackfill, { context: contextOf(request), payload: {} });
  }

  private history(subjectId: string, query: PageQuery, request: FastifyRequest): Promise<AuditEventsPage> {
    const organizationId = subjectScope(requirePrincipal(request));
    return this.page(request, {
      organization_id: organizationId,
      subject_id: subjectId,
      order: 'oldest',
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
  }

  private page(request: FastifyRequest, payload: ListAuditEventsRequest): Promise<AuditEventsPage> {
    return this.services.send(AuditRequestSubjects.listEvents, { context: contextOf(request), payload });
  }
}
