import {
  AddTeamMemberBody,
  CreateTeamBody,
  Envelope,
  ListTeamsRequest,
  PageSlice,
  RenameTeamBody,
  TeamMemberRequest,
  TeamPage,
  TeamRequest,
  TeamView,
  UsersErrorCode,
  WardenError,
} from '@warden/contracts';
import { createOnce, createdId, loadState, streamCommand } from '@warden/kernel';
import { validateDto } from '@warden/platform';
import { Principal } from '@warden/access';
import { Team, TeamCommand, UserCommand, teamDecider, teamStreamId, userDecider, userStreamId } from '@warden/users-domain';
import { runAtomically } from '../commands/atomic-command';
import { principalOf, requireAccountChange, requirePermission } from '../access/authorization';
import { settledExisting } from '../commands/settled-existing';
import { listingRowById } from '../read-models/listing-row';
import { UsersContext } from '../users-context';

const teamNotFound = (id: string) => ({ code: UsersErrorCode.TeamNotFound, detail: `team ${id} does not exist` });

export class TeamsService {
  constructor(private readonly ctx: UsersContext) {}

  async create(envelope: Envelope<unknown>): Promise<TeamView> {
    const principal = principalOf(envelope.context);
    const body = await validateDto(CreateTeamBody, envelope.payload);
    requirePermission(principal, 'teams:write', { organizationId: principal.organizationId });
    // A retry after a lost answer (same idempotency fingerprint) gets the team made then.
    const fingerprint = envelope.context.idempotencyFingerprint;
    const teamId = createdId(fingerprint, 'teams.create');
    return createOnce(fingerprint, () => this.replayed(teamId), async () => {
      const { results, appended } = await runAtomically(
        this.ctx.store,
        [
          streamCommand(teamStreamId(teamId), teamDecider, {
            type: 'CreateTeam',
            teamId,
            organizationId: principal.organizationId,
            name: body.name,
            at: this.ctx.clock().toISOString(),
          } satisfies TeamCommand),
        ],
        envelope.context,
        principal.organizationId,
      );
      await this.ctx.readModels.settle(appended);
      return toTeamView(results[0]!.state as Team);
    });
  }

  private async replayed(teamId: string): Promise<TeamView | undefined> {
    const streamId = teamStreamId(teamId);
    if (!(await settledExisting(this.ctx, streamId))) return undefined;
    const { state } = await loadState(this.ctx.store, teamDecider, streamId);
    return state.status === 'absent' ? undefined : toTeamView(state as Team);
  }

  /** From the listing alone: one query. */
  async get(envelope: Envelope<TeamRequest>): Promise<TeamView> {
    const principal = principalOf(envelope.context);
    const { id } = envelope.payload;
    const row = await listingRowById<{ id: string; organization_id: string; name: string; members: string[]; created_at: Date }>(
      this.ctx.pool,
      `SELECT id, organization_id, name, members, created_at FROM ${this.ctx.listing.tables.teams} WHERE id = $1`,
      id,
    );
    if (!row) throw new WardenError(UsersErrorCode.TeamNotFound, `team ${id} does not exist`);
    requirePermission(principal, 'teams:read', { organizationId: row.organization_id, ownerTeams: [row.id] }, teamNotFound(row.id));
    return { id: row.id, organization_id: row.organization_id, name: row.name, members: row.members, created_at: row.created_at.toISOString() };
  }

  async list(envelope: Envelope<ListTeamsRequest>): Promise<PageSlice<TeamPage['results'][number]>> {
    const principal = principalOf(envelope.context);
    requirePermission(principal, 'teams:read', { organizationId: principal.organizationId, ownerTeams: principal.teams });
    const page = envelope.payload.page ?? 1;
    const pageSize = envelope.payload.page_size ?? 20;
    const table = this.ctx.listing.tables.teams;
    const { rows: counted } = await this.ctx.pool.query<{ total: string }>(
      `SELECT count(*)::text AS total FROM ${table} WHERE organization_id = $1`,
      [principal.organizationId],
    );
    const { rows } = await this.ctx.pool.query<{ id: string; organization_id: string; name: string; member_count: number; created_at: Date }>(
      `SELECT * FROM ${table} WHERE organization_id = $1 ORDER BY lower(name), id LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      [principal.organizationId],
    );
    return {
      total: Number(counted[0]!.total),
      page,
      page_size: pageSize,
      results: rows.map((row) => ({
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        member_count: row.member_count,
        created_at: row.created_at.toISOString(),
      })),
    };
  }

  async rename(envelope: Envelope<TeamRequest & { name: string }>): Promise<TeamView> {
    const principal = principalOf(envelope.context);
    const body = await validateDto(RenameTeamBody, { name: envelope.payload.name });
    const team = await this.writableTeam(principal, envelope.payload.id);
    return this.run(envelope, team, [
      streamCommand(teamStreamId(team.teamId), teamDecider, { type: 'RenameTeam', name: body.name, at: this.ctx.clock().toISOString() } satisfies TeamCommand),
    ]);
  }

  async addMember(envelope: Envelope<TeamMemberRequest>): Promise<TeamView> {
    const principal = principalOf(envelope.context);
    const body = await validateDto(AddTeamMemberBody, { user_id: envelope.payload.user_id });
    const team = await this.writableTeam(principal, envelope.payload.id);
    const { state: user } = await loadState(this.ctx.store, userDecider, userStreamId(body.user_id));
    if (user.status === 'absent' || user.status === 'deleted' || user.organizationId !== team.organizationId) {
      throw new WardenError(UsersErrorCode.InvalidReference, `user ${body.user_id} is not in the team's organization`, [
        { field: 'user_id', message: "must be a user of the team's organization" },
      ]);
    }
    // Joining a team widens who may manage the member: only someone who may manage them
    // already, as they are and as they will be, may add them; and nobody adds themselves.
    const teams = [...new Set([...user.teams, team.teamId])];
    await requireAccountChange(this.ctx, principal, user, { ...user, teams });
    const at = this.ctx.clock().toISOString();
    return this.run(envelope, team, [
      streamCommand(teamStreamId(team.teamId), teamDecider, { type: 'AddTeamMember', userId: user.id, memberOrganizationId: user.organizationId, at } satisfies TeamCommand),
      streamCommand(userStreamId(user.id), userDecider, { type: 'ChangeTeams', teams, at } satisfies UserCommand),
    ]);
  }

  async removeMember(envelope: Envelope<TeamMemberRequest>): Promise<TeamView> {
    const principal = principalOf(envelope.context);
    const team = await this.writableTeam(principal, envelope.payload.id);
    const userId = envelope.payload.user_id;
    const { state: user } = await loadState(this.ctx.store, userDecider, userStreamId(userId));
    if (user.status !== 'absent' && user.status !== 'deleted') {
      await requireAccountChange(this.ctx, principal, user, { ...user, teams: user.teams.filter((t) => t !== team.teamId) });
    }
    const at = this.ctx.clock().toISOString();
    const steps = [
      streamCommand(teamStreamId(team.teamId), teamDecider, { type: 'RemoveTeamMember', userId, at } satisfies TeamCommand),
      ...(user.status === 'absent'
        ? []
        : [streamCommand(userStreamId(userId), userDecider, { type: 'ChangeTeams', teams: user.teams.filter((t) => t !== team.teamId), at } satisfies UserCommand)]),
    ];
    return this.run(envelope, team, steps);
  }

  async delete(envelope: Envelope<TeamRequest>): Promise<void> {
    const principal = principalOf(envelope.context);
    const team = await this.writableTeam(principal, envelope.payload.id);
    await this.run(envelope, team, [
      streamCommand(teamStreamId(team.teamId), teamDecider, { type: 'DeleteTeam', at: this.ctx.clock().toISOString() } satisfies TeamCommand),
    ]);
  }

  private async run(envelope: Envelope<unknown>, team: Team, steps: Parameters<typeof runAtomically>[1]): Promise<TeamView> {
    const { results, appended } = await runAtomically(this.ctx.store, steps, envelope.context, team.organizationId);
    await this.ctx.readModels.settle(appended);
    return toTeamView(results[0]!.state as Team);
  }

  private async team(id: string): Promise<Team> {
    const { state } = await loadState(this.ctx.store, teamDecider, teamStreamId(id));
    if (state.status !== 'active') throw new WardenError(UsersErrorCode.TeamNotFound, `team ${id} does not exist`);
    return state;
  }

  private async writableTeam(principal: Principal, id: string): Promise<Team> {
    const team = await this.team(id);
    requirePermission(principal, 'teams:write', { organizationId: team.organizationId, ownerTeams: [team.teamId] }, teamNotFound(id));
    return team;
  }
}

function toTeamView(team: Team): TeamView {
  return { id: team.teamId, organization_id: team.organizationId, name: team.name, members: team.members, created_at: team.createdAt };
}
