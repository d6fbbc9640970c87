import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { AuditOrder } from '@warden/contracts';

/** The filters of the audit log, shared by the list and the export. */
export class AuditEventsFilterQuery {
  @IsOptional()
  @IsUUID()
  organization_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  actor_id?: string;

  /** A user, token or session id (see the audit service's list for how it matches). */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  subject_id?: string;

  @IsOptional()
  @Matches(/^[A-Z][A-Za-z0-9]{1,63}$/, { message: 'event_type must be an event type name such as OrganizationCreated' })
  event_type?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  correlation_id?: string;

  /** Inclusive. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  /** Exclusive. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;

  @IsOptional()
  @IsIn(['oldest', 'newest'])
  order?: AuditOrder;
}

export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}

export class ListAuditEventsQuery extends AuditEventsFilterQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}

export class VerifyAuditChainQuery {
  /** An organization id, `platform` (records without one) or `all`; the latter two for the platform admin. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F-]{36}|platform|all)$/, { message: 'organization_id must be an organization id, platform or all' })
  organization_id?: string;
}

export class AsOfQuery {
  @IsISO8601({ strict: true, strictSeparator: true })
  at!: string;
}
