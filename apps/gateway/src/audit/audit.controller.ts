import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  AuditBackfillReport,
  AuditChainVerification,
  AuditEventsPage,
  AuditRecordView,
  AuditRequestSubjects,
  AuditSubjectHistoryRequest,
  BrokenAuditChain,
  IntactAuditChain,
  ListAuditEventsRequest,
  TokenAsOfQuery,
  TokenAsOfView,
  UserAsOfQuery,
  UserAsOfView,
  VerifyAuditChainRequest,
} from '@warden/contracts';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { contextOf } from '../auth/principal-of-request';
import { AsOfQuery, AuditEventsFilterQuery, ListAuditEventsQuery, PageQuery, VerifyAuditChainQuery } from './list-audit-events.query';

const DEFAULT_PAGE_SIZE = 50;
// Small enough that a page of records with large data stays well under NATS's payload limit.
const EXPORT_PAGE_SIZE = 200;

// The audit service decides who reads which part of the audit log; this controller passes on what the caller names.
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
    return this.page(request, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
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
    const filter: ListAuditEventsRequest = { ...query, limit: EXPORT_PAGE_SIZE };
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
    const payload: VerifyAuditChainRequest = { organization_id: query.organization_id };
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
    const payload: UserAsOfQuery = { user_id: id, at: query.at };
    return this.services.send(AuditRequestSubjects.userAsOf, { context: contextOf(request), payload });
  }

  /**
   * A token as it was at a moment
   *
   * @remarks The token's state at a moment (valid then? owned by whom, with what), folded from the tokens service's event store.
   */
  @Get('tokens/:id/as-of')
  tokenAsOf(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: AsOfQuery, @Req() request: FastifyRequest): Promise<TokenAsOfView> {
    const payload: TokenAsOfQuery = { token_id: id, at: query.at };
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
    return this.services.send(AuditRequestSubjects.runBackfill, { context: contextOf(request), payload: {} });
  }

  private history(subjectId: string, query: PageQuery, request: FastifyRequest): Promise<AuditEventsPage> {
    const payload: AuditSubjectHistoryRequest = { subject_id: subjectId, limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor };
    return this.services.send(AuditRequestSubjects.subjectHistory, { context: contextOf(request), payload });
  }

  private page(request: FastifyRequest, payload: ListAuditEventsRequest): Promise<AuditEventsPage> {
    return this.services.send(AuditRequestSubjects.listEvents, { context: contextOf(request), payload });
  }
}
