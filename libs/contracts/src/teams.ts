// Teams: a name and members, in one organization. POST /users also calls them `groups`.
import { IsDefined, IsString, IsUUID, Length } from 'class-validator';
import { Page, Pagination } from './pagination';

export const TeamSubjects = {
  create: 'users.teams.create',
  get: 'users.teams.get',
  list: 'users.teams.list',
  rename: 'users.teams.rename',
  addMember: 'users.teams.add-member',
  removeMember: 'users.teams.remove-member',
  delete: 'users.teams.delete',
} as const;

export class CreateTeamBody {
  @IsDefined() @IsString() @Length(1, 200) name!: string;
}

export class RenameTeamBody {
  @IsDefined() @IsString() @Length(1, 200) name!: string;
}

export class AddTeamMemberBody {
  @IsDefined() @IsUUID() user_id!: string;
}

export class TeamView {
  id!: string;
  organization_id!: string;
  name!: string;
  /** The members' user ids. */
  members!: string[];
  created_at!: string;
}

/** A team as listed: its member count instead of its members. */
export class TeamListItem {
  id!: string;
  organization_id!: string;
  name!: string;
  member_count!: number;
  created_at!: string;
}

export class TeamPage implements Page<TeamListItem> {
  pagination!: Pagination;
  results!: TeamListItem[];
}

export interface TeamRequest {
  id: string;
}

export interface CreateTeamRequest {
  name: string;
}

export interface RenameTeamRequest {
  id: string;
  name: string;
}

export interface TeamMemberRequest {
  id: string;
  user_id: string;
}

export interface ListTeamsRequest {
  page: number;
  page_size: number;
}
