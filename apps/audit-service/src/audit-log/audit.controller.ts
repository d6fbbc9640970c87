import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AuditBackfillReport,
  AuditChainVerification,
  AuditEventsPage,
  AuditRequestSubjects,
  Envelope,
  ListAuditEventsRequest,
  TokenAsOfRequest,
  TokenAsOfView,
  UserAsOfRequest,
  UserAsOfView,
  VerifyAuditChainRequest,
} from '@warden/contracts';
import { TokenAsOf } from '../as-of/token-as-of';
import { UserAsOf } from '../as-of/user-as-of';
import { AuditBackfill } from '../backfill/audit-backfill';
import { AuditRecordRepository } from './audit-record.repository';

// The gateway authorizes every audit request and scopes it to an organization before it
// is sent; these handlers answer within the scope they are given.
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
    return this.records.list(envelope.payload);
  }

  @MessagePattern(AuditRequestSubjects.verifyChain)
  verify(@Payload() envelope: Envelope<VerifyAuditChainRequest>): Promise<AuditChainVerification> {
    return this.records.verify(envelope.payload.chain);
  }

  @MessagePattern(AuditRequestSubjects.userAsOf)
  asOf(@Payload() envelope: Envelope<UserAsOfRequest>): Promise<UserAsOfView> {
    return this.userAsOf.at(envelope.payload);
  }

  @MessagePattern(AuditRequestSubjects.tokenAsOf)
  tokenAt(@Payload() envelope: Envelope<TokenAsOfRequest>): Promise<TokenAsOfView> {
    return this.tokenAsOf.at(envelope.payload);
  }

  @MessagePattern(AuditRequestSubjects.runBackfill)
  runBackfill(): Promise<AuditBackfillReport> {
    return this.backfill.run();
  }
}
