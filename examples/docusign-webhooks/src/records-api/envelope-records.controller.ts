import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { RequirePermission, WardenAuthGuard, WardenPrincipal, wardenPrincipalOf } from '@warden/token-verifier';
import { IsDefined, IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { Problem } from '../shared/problem';
import { ENVELOPE_STATUSES, EnvelopeRecord, EnvelopeRecordsStore, EnvelopeStatus } from './envelope-records.store';

export class EnvelopeStatusBody {
  @IsDefined() @IsIn(ENVELOPE_STATUSES) status!: EnvelopeStatus;
  @IsDefined() @IsISO8601({ strict: true }) status_changed_at!: string;
  /** The Connect event that carried the status, for the record's history. */
  @IsOptional() @IsString() @MaxLength(64) event?: string;
}

// The caller the guard authenticated (the verifier's PrincipalView).
type Caller = NonNullable<ReturnType<typeof wardenPrincipalOf>>;

const envelopeId = new ParseUUIDPipe({
  exceptionFactory: () => new Problem(400, 'invalid_envelope_id', 'The envelope id must be a GUID, as DocuSign issues them'),
});

// Every route needs a Warden API token or session key (x-api-key or Authorization: Bearer)
// whose holder has the route's permission across the organization.
@Controller('records/envelopes')
@UseGuards(WardenAuthGuard)
export class EnvelopeRecordsController {
  constructor(private readonly store: EnvelopeRecordsStore) {}

  @Put(':envelopeId/status')
  @HttpCode(200)
  @RequirePermission('records:write', { scope: 'organization' })
  recordStatus(
    @Param('envelopeId', envelopeId) id: string,
    @Body() body: EnvelopeStatusBody,
    @WardenPrincipal() caller: Caller,
  ): EnvelopeRecord & { applied: boolean } {
    const { record, applied } = this.store.record(caller.organizationId, {
      envelopeId: id,
      status: body.status,
      statusChangedAt: body.status_changed_at,
      updatedBy: caller.userId,
      at: new Date(),
    });
    return { ...record, applied };
  }

  @Get(':envelopeId')
  @RequirePermission('records:read', { scope: 'organization' })
  read(@Param('envelopeId', envelopeId) id: string, @WardenPrincipal() caller: Caller): EnvelopeRecord {
    const record = this.store.find(caller.organizationId, id);
    if (!record) throw new Problem(404, 'envelope_not_found', `No status is recorded for envelope ${id}`);
    return record;
  }
}
