// Users and service accounts: the request bodies users paste (in the shapes they know), the
// views the API answers with, and the subjects between the gateway and the users service.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
import type { ApiTokenOfNewUser } from './api-tokens';
import { Page, Pagination } from './pagination';
import { PermissionScope, PrincipalAccountType } from './principal';

export const UserSubjects = {
  create: 'users.users.create',
  get: 'users.users.get',
  list: 'users.users.list',
  update: 'users.users.update',
  deactivate: 'users.users.deactivate',
  reactivate: 'users.users.reactivate',
  delete: 'users.users.delete',
  me: 'users.users.me',
} as const;

export const USER_ACCOUNT_TYPES = ['user', 'service_internal', 'service_external'] as const;
export const USER_STATUSES = ['active', 'deactivated'] as const;
export const USER_SORT_KEYS = ['name', 'account_type', 'role', 'teams', 'status', 'last_active', 'created'] as const;
export type UserSortKey = (typeof USER_SORT_KEYS)[number];

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 20;
const MAX_REFERENCES = 100;

/** A role given by name (`"WARDEN_ADMIN"`) or as an object (`{"name": "AM_DEFAULT_USER"}`). */
export type RoleReference = string | { name: string };

function isRoleReference(value: unknown): value is RoleReference {
  if (typeof value === 'string') return value.length > 0 && value.length <= 64;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const name = (value as { name?: unknown }).name;
  return keys.length === 1 && typeof name === 'string' && name.length > 0 && name.length <= 64;
}

export function IsRoleReference(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRoleReference',
      validator: {
        validate: (value) => isRoleReference(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a role name or an object {"name": "<role name>"}`,
          options,
        ),
      },
    },
    options,
  );
}

/** Paging query parameters every list endpoint takes. */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size?: number;
}

/**
 * POST /users, in each shape integrators paste. Shapes only; the users service turns
 * it into one user (see normalizeNewUser) and the domain checks the values.
 */
export class CreateUserBody {
  @IsOptional() @IsString() @Length(1, 254) username?: string;
  @IsOptional() @IsIn(USER_ACCOUNT_TYPES) account_type?: PrincipalAccountType;
  @IsOptional() @IsString() @MaxLength(200) first_name?: string;
  @IsOptional() @IsString() @MaxLength(200) last_name?: string;
  @IsOptional() @IsString() @MaxLength(1024) password?: string;
  /** The organization: its URL in this API or its id. */
  @IsOptional() @IsString() @Length(1, 2048) organization?: string;
  /** The organization id, in the shape that also issues a service account's first token. */
  @IsOptional() @IsString() @Length(1, 2048) account_id?: string;
  /** Teams ("groups"), as URLs of this API or ids. */
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REFERENCES) @IsString({ each: true }) @Length(1, 2048, { each: true })
  groups?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REFERENCES) @IsString({ each: true }) @Length(1, 2048, { each: true })
  teams?: string[];
  @IsOptional() @IsString() @MaxLength(200) friendly_name?: string;
  @IsOptional() @IsString() @MaxLength(320) email_address?: string;
  @IsOptional() @IsString() @MaxLength(320) email?: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REFERENCES) @IsRoleReference({ each: true })
  roles?: RoleReference[];
  /**
   * Also issue the service account's first API token, answered once as `api_token`.
   * Default: yes when the body names the organization as `account_id`, no otherwise.
   */
  @IsOptional() @IsBoolean() issue_token?: boolean;
}

/** POST /users bodies as integrators send them: the API description's examples. */
export const CREATE_USER_BODY_EXAMPLES: Record<string, { value: CreateUserBody }> = {
  'an external service account': {
    value: {
      username: 'docusign-webhooks@acme',
      account_type: 'service_external',
      first_name: 'DocuSign',
      last_name: 'Webhooks',
      password: 'envelope-status-updater-9',
    },
  },
  'a service account in an organization and a team, named by URL': {
    value: {
      first_name: 'SYSTEM USER',
      last_name: '(DO NOT DELETE)',
      username: 'api_user@mycompany',
      password: 'myserviceaccoutpassword',
      organization: 'https://warden.example.com/api/v1/organizations/449922b5-aad9-4e5b-9025-2bd0daf3619e',
      groups: ['https://warden.example.com/api/v1/teams/5e0bd5fe-117f-4049-b686-1548b1ee5e14'],
    },
  },
  'a service user with its first API token': {
    value: {
      friendly_name: 'API Integration Service User',
      email_address: 'api-notifications@example.com',
      account_id: '449922b5-aad9-4e5b-9025-2bd0daf3619e',
      roles: [{ name: 'WARDEN_MEMBER' }],
      description: 'Service user for certificate automation',
    },
  },
};

/** PATCH /users/:id: every field optional; `null` clears a profile field. */
export class UpdateUserBody {
  @IsOptional() @IsString() @MaxLength(200) first_name?: string | null;
  @IsOptional() @IsString() @MaxLength(200) last_name?: string | null;
  @IsOptional() @IsString() @MaxLength(320) email?: string | null;
  @IsOptional() @IsString() @MaxLength(200) friendly_name?: string | null;
  @IsOptional() @IsString() @MaxLength(2000) description?: string | null;
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REFERENCES) @IsRoleReference({ each: true })
  roles?: RoleReference[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REFERENCES) @IsString({ each: true }) @Length(1, 2048, { each: true })
  teams?: string[];
  @IsOptional() @IsIn(USER_ACCOUNT_TYPES) account_type?: PrincipalAccountType;
  @IsOptional() @IsString() @MaxLength(1024) password?: string;
  @IsOptional() @IsString() @MaxLength(1024) current_password?: string;
}

export class ListUsersQuery extends PageQuery {
  @IsOptional() @IsIn(USER_ACCOUNT_TYPES) account_type?: PrincipalAccountType;
  @IsOptional() @IsString() @Length(1, 64) role?: string;
  @IsOptional() @IsUUID() team?: string;
  @IsOptional() @IsIn(USER_STATUSES) status?: (typeof USER_STATUSES)[number];
  /** Part of the name shown, the username or the email, in any case. */
  @IsOptional() @IsString() @Length(1, 100) search?: string;
  /** `name`, `-created`...: a leading `-` sorts descending. */
  @IsOptional()
  @Matches(new RegExp(`^-?(${USER_SORT_KEYS.join('|')})$`), {
    message: `sort must be one of ${USER_SORT_KEYS.join(', ')}, optionally prefixed with - for descending`,
  })
  sort?: string;
  @IsOptional() @IsIn(['asc', 'desc']) direction?: 'asc' | 'desc';
}

export class UserIdParam {
  @IsUUID() id!: string;
}

export class UserView {
  id!: string;
  organization_id!: string;
  account_type!: PrincipalAccountType;
  username!: string;
  first_name!: string | null;
  last_name!: string | null;
  email!: string | null;
  friendly_name!: string | null;
  description!: string | null;
  status!: 'active' | 'deactivated';
  /** Role names. */
  roles!: string[];
  /** Team ids. */
  teams!: string[];
  created_at!: string;
  /** Its last login or API token use; null: never. */
  last_active_at!: string | null;
}

/** GET /users lists what a Members page shows: name, type, role, last active, teams, created. */
export class UserListItem extends UserView {
  /** The name shown: first and last name, else the friendly name, else the username. */
  name!: string;
}

export class UserPage implements Page<UserListItem> {
  pagination!: Pagination;
  results!: UserListItem[];
}

/** What a service answers for a list: one page of results and the total; the gateway adds the links. */
export interface PageSlice<T> {
  total: number;
  page: number;
  page_size: number;
  results: T[];
}

export interface UserRequest {
  id: string;
}

export interface UpdateUserRequest {
  id: string;
  changes: UpdateUserBody;
}

export interface ListUsersRequest {
  page: number;
  page_size: number;
  account_type?: PrincipalAccountType;
  role?: string;
  team?: string;
  status?: 'active' | 'deactivated';
  sort?: string;
  direction?: 'asc' | 'desc';
}

/**
 * POST /users for a service account with its first token. `api_token` is null,
 * with `api_token_error` saying why, when the account was created but the token could not
 * be issued: the account stands, and a token can be issued for it with POST /tokens.
 */
export class CreatedUserView extends UserView {
  /** The service account's first token, shown once; null when it could not be issued. */
  api_token?: ApiTokenOfNewUser | null;
  /** Why the first token could not be issued (the account stands). */
  api_token_error?: ApiTokenError;
}

export class ApiTokenError {
  /** The problem code the token's issue failed with, e.g. `invalid_token_owner`. */
  code!: string;
  detail!: string;
}

/** An organization, by id and name. */
export class OrganizationRef {
  id!: string;
  name!: string;
}

/** GET /users/me: the caller, its organization, roles, teams and permissions. */
export class MeView extends UserView {
  organization!: OrganizationRef;
  /** What the caller can really do through the credential of this request (see `WhoAmIResponse`), and where each applies. */
  permissions!: Record<string, PermissionScope>;
  is_super_admin!: boolean;
  platform_admin!: boolean;
  acts_as_super_admin!: boolean;
}
