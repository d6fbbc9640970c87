import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AuditBackfillReport,
  AuditChainVerification,
  AuditEventsPage,
  AuditRequestSubjects,
  AuditSubjectHistoryRequest,
  Envelope,
  ListAuditEventsRequest,
  TokenAsOfQuery,
  TokenAsOfView,
  UserAsOfQuery,
  UserAsOfView,
  VerifyAuditChainRequest,
} from '@warden/contracts';
import { TokenAsOf } from '../as-of/token-as-of';
import { UserAsOf } from '../as-of/user-as-of';
import { AuditBackfill } from '../backfill/audit-backfill';
import { auditReaderOf, chainToVerify, organizationToRead, requireBackfillOperator, subjectScope } from './audit-query-access';
import { AuditRecordRepository } from './audit-record.repository';

// Each handler authorizes its query (audit-query-access.ts) and answers within the scope decided.
@Controller()
export class AuditController {
  constructor(
    @Inject(AuditRecordRepository) private readonly records: AuditRecordRepository,
    @Inject(AuditBackfill) private readonly backfill: AuditBackfill,
    @Inject(UserAsOf) private readonly userAsOf: UserAsOf,
    @Inject(TokenAsOf) private readonly tokenAsOf: TokenAsOf,
  ) {}

  @MessagePattern(AuditRequestSubjects.listEvents)
  list(@Payload() envelope: Envelope<ListAuditEventsRequest>): Promise<AuditEventsPage> {
    const reader = auditReaderOf(envelope.context);
    return this.records.list({ ...envelope.payload, organization_id: organizationToRead(reader, envelope.payload.organization_id) });
  }

  @MessagePattern(AuditRequestSubjects.subjectHistory)
  history(@Payload() envelope: Envelope<AuditSubjectHistoryRequest>): Promise<AuditEventsPage> {
    const { subject_id, limit, cursor } = envelope.payload;
    const organizationId = subjectScope(auditReaderOf(envelope.context));
    return this.records.list({ organization_id: organizationId, subject_id, order: 'oldest', limit, cursor });
  }

  @MessagePattern(AuditRequestSubjects.verifyChain)
  verify(@Payload() envelope: Envelope<VerifyAuditChainRequest>): Promise<AuditChainVerification> {
    return this.records.verify(chainToVerify(auditReaderOf(envelope.context), envelope.payload.organization_id));
  }

  @MessagePattern(AuditRequestSubjects.userAsOf)
  asOf(@Payload() envelope: Envelope<UserAsOfQuery>): Promise<UserAsOfView> {
    const { user_id, at } = envelope.payload;
    return this.userAsOf.at({ user_id, at, organization_id: subjectScope(auditReaderOf(envelope.context)) });
  }

  @MessagePattern(AuditRequestSubjects.tokenAsOf)
  tokenAt(@Payload() envelope: Envelope<TokenAsOfQuery>): Promise<TokenAsOfView> {
    const { token_id, at } = envelope.payload;
    return this.tokenAsOf.at({ token_id, at, organization_id: subjectScope(auditReaderOf(envelope.context)) });
  }

  @MessagePattern(AuditRequestSubjects.runBackfill)
  runBackfill(@Payload() envelope: Envelope<unknown>): Promise<AuditBackfillReport> {
    requireBackfillOperator(auditReaderOf(envelope.context));
    return this.backfill.run();
  }
}
