import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_ACCESS_TOKEN_LIFETIME_SECONDS, MIN_ACCESS_TOKEN_LIFETIME_SECONDS } from './oauth';
import { Page, Pagination } from './pagination';
import {
  LEAKED_TOKEN_ACTIONS,
  LeakedTokenAction,
  MAX_EXPIRY_WARNINGS,
  MAX_EXPIRY_WARNING_LEAD_SECONDS,
  MAX_UNUSED_DAYS,
  MIN_EXPIRY_WARNING_LEAD_SECONDS,
} from './tokens';

export const DEFAULT_SERVICE_INTERNAL_LIMIT = 1;
export const DEFAULT_SERVICE_EXTERNAL_LIMIT = 5;

export class OrganizationSettings {
  /** How many internal service accounts the organization may have (0 or 1). */
  service_internal_limit!: number;
  /** How many external service accounts the organization may have. */
  service_external_limit!: number;
  /** Longest lifetime a token of the organization may have; null: no limit. */
  max_token_lifetime_seconds!: number | null;
  /**
   * Lifetime (`expires_in`) of an OAuth access token from POST /oauth2/token, 60 to 86400
   * seconds, default 900; capped by max_token_lifetime_seconds and by the end of the client
   * credential it was granted through. A change applies to grants from then on: access
   * tokens already out keep their expiry.
   */
  access_token_lifetime_seconds!: number;
  /** Whether humans may log in with a password; service accounts always may. */
  human_password_login!: boolean;
  /** How long before a token expires each `TokenExpiring` warning is given, longest first; default a week and a day. */
  expiry_warning_lead_seconds!: number[];
  /** What a token reported leaked (by a secret scanner or a person) undergoes: `revoke` (default) or `disable`. */
  leaked_token_action!: LeakedTokenAction;
  /** Tokens unused (since their last use, or their issue) for this many days are disabled; null (default): never. */
  disable_unused_after_days!: number | null;
}

export interface CreateOrganizationRequest {
  name: string;
  settings?: Partial<OrganizationSettings>;
}

export class ServiceAccountCounts {
  service_internal!: number;
  service_external!: number;
}

export class OrganizationView {
  id!: string;
  /** This organization's URL in this API. */
  url?: string;
  name!: string;
  /** The root organization: the platform admin's. */
  root!: boolean;
  settings!: OrganizationSettings;
  /** How many service accounts of each kind it has. */
  service_accounts!: ServiceAccountCounts;
  created_at!: string;
}

export interface ListOrganizationsRequest {
  page: number;
  page_size: number;
}

export class OrganizationPage implements Page<OrganizationView> {
  pagination!: Pagination;
  results!: OrganizationView[];
}

/** PATCH /organizations/:id: the settings to change, each optional. */
export class UpdateOrganizationSettingsBody {
  @IsOptional() @IsInt() @Min(0) @Max(1) service_internal_limit?: number;
  @IsOptional() @IsInt() @Min(0) @Max(1000) service_external_limit?: number;
  // null: tokens may live for ever
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  max_token_lifetime_seconds?: number | null;
  /** Lifetime of the OAuth access tokens granted from now on, 60 to 86400 seconds; those already out keep their expiry. */
  // null passes here (IsOptional) and is refused by the organization's decider, naming the field.
  @IsOptional()
  @IsInt()
  @Min(MIN_ACCESS_TOKEN_LIFETIME_SECONDS)
  @Max(MAX_ACCESS_TOKEN_LIFETIME_SECONDS)
  access_token_lifetime_seconds?: number;
  @IsOptional() @IsBoolean() human_password_login?: boolean;
  /** How long before a token expires each warning is given: up to five lead times, 60 seconds to 90 days; [] for none. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXPIRY_WARNINGS)
  @IsInt({ each: true })
  @Min(MIN_EXPIRY_WARNING_LEAD_SECONDS, { each: true })
  @Max(MAX_EXPIRY_WARNING_LEAD_SECONDS, { each: true })
  expiry_warning_lead_seconds?: number[];
  @IsOptional() @IsIn(LEAKED_TOKEN_ACTIONS) leaked_token_action?: LeakedTokenAction;
  // null: never
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_UNUSED_DAYS)
  disable_unused_after_days?: number | null;
}

export class UpdateOrganizationBody {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateOrganizationSettingsBody)
  settings?: UpdateOrganizationSettingsBody;
}

export interface UpdateOrganizationRequest {
  id: string;
  settings: Partial<OrganizationSettings>;
}

/** POST /organizations. */
export class CreateOrganizationBody {
  @IsDefined() @IsString() @Length(1, 200) name!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateOrganizationSettingsBody)
  settings?: UpdateOrganizationSettingsBody;
}
