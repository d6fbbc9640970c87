// The role catalogue: roles grouped by application code.
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';

export const RoleSubjects = {
  list: 'users.roles.list',
  create: 'users.roles.create',
  archive: 'users.roles.archive',
} as const;

export class RoleView {
  name!: string;
  display_name!: string;
  description!: string;
  /** `default`: one of Warden's own roles; `custom`: made by the organization. */
  type!: 'default' | 'custom';
  status!: 'ACTIVE' | 'ARCHIVED';
  /** Where the role's permissions apply: the whole organization, or the holder's teams. */
  access_scope!: 'organization' | 'team';
  permissions!: string[];
}

export type RoleCatalogueView = Record<string, RoleView[]>;

export class ListRolesQuery {
  @IsOptional() @Matches(/^[a-z][a-z0-9_]{1,31}$/, { message: 'application_code must be 2 to 32 characters: lower-case letters, digits and _' })
  application_code?: string;
  @IsOptional() @IsUUID() account_id?: string;
}

export class CreateRoleBody {
  @IsDefined() @IsString() @Length(1, 64) name!: string;
  @IsDefined() @IsString() @Length(1, 200) display_name!: string;
  @IsOptional() @IsString() @Length(0, 1000) description?: string;
  @IsOptional() @IsString() @Length(1, 64) application_code?: string;
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, 80, { each: true })
  permissions!: string[];
  @IsOptional() @IsIn(['organization', 'team']) access_scope?: 'organization' | 'team';
  /** The organization (its id, named `account_id` as in POST /users); defaults to the caller's. */
  @IsOptional() @IsUUID() account_id?: string;
}

export class RoleNameParam {
  @IsDefined() @Matches(/^[A-Z][A-Z0-9_&]{1,63}$/, { message: 'name must be a role name (upper case)' }) name!: string;
}

export interface ListRolesRequest {
  application_code?: string;
  account_id?: string;
}

export interface ArchiveRoleRequest {
  name: string;
  account_id?: string;
}
