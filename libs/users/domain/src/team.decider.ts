import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';

export const teamStreamId = (teamId: string) => `team-${teamId}`;

export const TEAM_NAME_MAX_LENGTH = 100;

export type TeamCommand =
  | { type: 'CreateTeam'; teamId: string; organizationId: string; name: string; at: string }
  | { type: 'RenameTeam'; name: string; at: string }
  // The member's organization comes with the command so a team never spans tenants.
  | { type: 'AddTeamMember'; userId: string; memberOrganizationId: string; at: string }
  | { type: 'RemoveTeamMember'; userId: string; at: string }
  | { type: 'DeleteTeam'; at: string };

export type TeamEvent =
  | { type: 'TeamCreated'; data: { teamId: string; organizationId: string; name: string; createdAt: string } }
  | { type: 'TeamRenamed'; data: { teamId: string; name: string; renamedAt: string } }
  | { type: 'TeamMemberAdded'; data: { teamId: string; userId: string; addedAt: string } }
  | { type: 'TeamMemberRemoved'; data: { teamId: string; userId: string; removedAt: string } }
  | { type: 'TeamDeleted'; data: { teamId: string; deletedAt: string } };

export const teamEventUpcasters: EventUpcasters<TeamEvent> = {
  TeamCreated: [],
  TeamRenamed: [],
  TeamMemberAdded: [],
  TeamMemberRemoved: [],
  TeamDeleted: [],
};

export type Team = {
  status: 'active' | 'deleted';
  teamId: string;
  organizationId: string;
  name: string;
  members: string[];
  createdAt: string;
};

export type TeamState = { status: 'absent' } | Team;

function checkTeamName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > TEAM_NAME_MAX_LENGTH) {
    const message = `must be 1 to ${TEAM_NAME_MAX_LENGTH} characters, not blank`;
    throw new WardenError(CommonErrorCode.ValidationFailed, `team name ${message}`, [
      { field: 'name', message },
    ]);
  }
  return trimmed;
}

function existing(state: TeamState): Team {
  if (state.status !== 'active') throw new WardenError(UsersErrorCode.TeamNotFound, 'team does not exist');
  return state;
}

export const teamDecider: Decider<TeamCommand, TeamEvent, TeamState> = {
  initialState: () => ({ status: 'absent' }),
  upcasters: teamEventUpcasters,

  decide(command, state) {
    switch (command.type) {
      case 'CreateTeam': {
        if (state.status !== 'absent')
          throw new WardenError(UsersErrorCode.TeamAlreadyExists, `team ${command.teamId} already exists`);
        const name = checkTeamName(command.name);
        return [
          {
            type: 'TeamCreated',
            data: {
              teamId: command.teamId,
              organizationId: command.organizationId,
              name,
              createdAt: command.at,
            },
          },
        ];
      }
      case 'RenameTeam': {
        const team = existing(state);
        const name = checkTeamName(command.name);
        if (name === team.name) return [];
        return [{ type: 'TeamRenamed', data: { teamId: team.teamId, name, renamedAt: command.at } }];
      }
      case 'AddTeamMember': {
        const team = existing(state);
        if (command.memberOrganizationId !== team.organizationId) {
          throw new WardenError(
            UsersErrorCode.UserNotInOrganization,
            `user ${command.userId} is not in the team's organization`,
            [{ field: 'user_id', message: "is not in the team's organization" }],
          );
        }
        if (team.members.includes(command.userId)) return [];
        return [
          {
            type: 'TeamMemberAdded',
            data: { teamId: team.teamId, userId: command.userId, addedAt: command.at },
          },
        ];
      }
      case 'RemoveTeamMember': {
        const team = existing(state);
        if (!team.members.includes(command.userId)) return [];
        return [
          {
            type: 'TeamMemberRemoved',
            data: { teamId: team.teamId, userId: command.userId, removedAt: command.at },
          },
        ];
      }
      case 'DeleteTeam': {
        const team = existing(state);
        // Members' team lists and team-scoped access refer to the team: empty it first, so
        // nobody keeps or loses access as a side effect.
        if (team.members.length > 0) {
          const count = team.members.length;
          throw new WardenError(
            UsersErrorCode.TeamNotEmpty,
            `team still has ${count} ${count === 1 ? 'member' : 'members'}; remove them first`,
          );
        }
        return [{ type: 'TeamDeleted', data: { teamId: team.teamId, deletedAt: command.at } }];
      }
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TeamCreated':
        return { status: 'active', ...event.data, members: [] };
      case 'TeamRenamed':
        return state.status === 'absent' ? state : { ...state, name: event.data.name };
      case 'TeamMemberAdded':
        return state.status === 'absent'
          ? state
          : { ...state, members: [...state.members, event.data.userId] };
      case 'TeamMemberRemoved':
        return state.status === 'absent'
          ? state
          : { ...state, members: state.members.filter((member) => member !== event.data.userId) };
      case 'TeamDeleted':
        return state.status === 'absent' ? state : { ...state, status: 'deleted' };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};
