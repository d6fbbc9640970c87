import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import type { DomainEvent } from '@warden/kernel';
import { deciderSpec } from '@warden/testing';
import { TeamCommand, TeamEvent, teamDecider, teamStreamId } from './team.decider';

const spec = deciderSpec(teamDecider);
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const stateAfter = (events: TeamEvent[]) => events.reduce(teamDecider.evolve, teamDecider.initialState());

const created: TeamEvent = {
  type: 'TeamCreated',
  data: { teamId: 'team-1', organizationId: 'org-1', name: 'Integrations', createdAt: at },
};
const added = (userId: string): TeamEvent => ({
  type: 'TeamMemberAdded',
  data: { teamId: 'team-1', userId, addedAt: later },
});
const removed = (userId: string): TeamEvent => ({
  type: 'TeamMemberRemoved',
  data: { teamId: 'team-1', userId, removedAt: later },
});
const teamDeleted: TeamEvent = { type: 'TeamDeleted', data: { teamId: 'team-1', deletedAt: later } };
const codeIs = (code: string) => (error: WardenError) => expect(error.code).toBe(code);

describe('team decider', () => {
  it('keeps each team in its own stream', () => {
    expect(teamStreamId('team-1')).toBe('team-team-1');
  });

  describe('CreateTeam', () => {
    it('creates a team with a trimmed name', () => {
      spec
        .given([])
        .when({ type: 'CreateTeam', teamId: 'team-1', organizationId: 'org-1', name: '  Integrations ', at })
        .then([created]);
    });

    it.each([
      ['blank', '   '],
      ['empty', ''],
      ['longer than 100 characters', 'x'.repeat(101)],
    ])('refuses a %s name, naming the field', (_why, name) => {
      spec
        .given([])
        .when({ type: 'CreateTeam', teamId: 'team-1', organizationId: 'org-1', name, at })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(CommonErrorCode.ValidationFailed);
          expect(error.errors).toEqual([
            { field: 'name', message: 'must be 1 to 100 characters, not blank' },
          ]);
        });
    });

    it('accepts a name of exactly 100 characters', () => {
      const name = 'x'.repeat(100);
      spec
        .given([])
        .when({ type: 'CreateTeam', teamId: 'team-1', organizationId: 'org-1', name, at })
        .then([{ type: 'TeamCreated', data: { ...created.data, name } as never }]);
    });

    it('refuses to create the same team twice', () => {
      spec
        .given([created])
        .when({ type: 'CreateTeam', teamId: 'team-1', organizationId: 'org-1', name: 'Other', at })
        .thenThrows(WardenError, codeIs(UsersErrorCode.TeamAlreadyExists));
    });
  });

  describe('RenameTeam', () => {
    it('renames', () => {
      spec
        .given([created])
        .when({ type: 'RenameTeam', name: ' Pipelines ', at: later })
        .then([{ type: 'TeamRenamed', data: { teamId: 'team-1', name: 'Pipelines', renamedAt: later } }]);
      expect(
        stateAfter([
          created,
          { type: 'TeamRenamed', data: { teamId: 'team-1', name: 'Pipelines', renamedAt: later } },
        ]),
      ).toMatchObject({
        name: 'Pipelines',
      });
    });

    it('records nothing for the same name', () => {
      spec.given([created]).when({ type: 'RenameTeam', name: 'Integrations ', at: later }).then([]);
    });

    it('refuses a blank name', () => {
      spec
        .given([created])
        .when({ type: 'RenameTeam', name: ' ', at: later })
        .thenThrows(WardenError, codeIs(CommonErrorCode.ValidationFailed));
    });
  });

  describe('members', () => {
    it('are added, once', () => {
      spec
        .given([created])
        .when({ type: 'AddTeamMember', userId: 'svc-1', memberOrganizationId: 'org-1', at: later })
        .then([added('svc-1')]);
      spec
        .given([created, added('svc-1')])
        .when({ type: 'AddTeamMember', userId: 'svc-1', memberOrganizationId: 'org-1', at: later })
        .then([]);
    });

    it('come only from the team’s organization', () => {
      spec
        .given([created])
        .when({ type: 'AddTeamMember', userId: 'svc-9', memberOrganizationId: 'org-2', at: later })
        .thenThrows(WardenError, codeIs(UsersErrorCode.UserNotInOrganization));
    });

    it('are removed; removing a non-member records nothing', () => {
      spec
        .given([created, added('svc-1')])
        .when({ type: 'RemoveTeamMember', userId: 'svc-1', at: later })
        .then([removed('svc-1')]);
      spec.given([created]).when({ type: 'RemoveTeamMember', userId: 'svc-1', at: later }).then([]);
    });

    it('are folded into the state', () => {
      expect(stateAfter([created, added('svc-1'), added('user-1'), removed('svc-1')])).toMatchObject({
        members: ['user-1'],
      });
    });
  });

  describe('DeleteTeam', () => {
    it('deletes an empty team', () => {
      spec
        .given([created, added('svc-1'), removed('svc-1')])
        .when({ type: 'DeleteTeam', at: later })
        .then([teamDeleted]);
    });

    it('refuses a team that still has members, saying how many', () => {
      spec
        .given([created, added('svc-1'), added('user-1')])
        .when({ type: 'DeleteTeam', at: later })
        .thenThrows(WardenError, (error) => {
          expect(error.code).toBe(UsersErrorCode.TeamNotEmpty);
          expect(error.detail).toBe('team still has 2 members; remove them first');
        });
    });

    const everyCommand: TeamCommand[] = [
      { type: 'RenameTeam', name: 'Other', at: later },
      { type: 'AddTeamMember', userId: 'svc-1', memberOrganizationId: 'org-1', at: later },
      { type: 'RemoveTeamMember', userId: 'svc-1', at: later },
      { type: 'DeleteTeam', at: later },
    ];

    it.each(everyCommand.map((command) => [command.type, command] as const))(
      '%s on a deleted or unknown team is team_not_found',
      (_type, command) => {
        spec
          .given([created, teamDeleted])
          .when(command)
          .thenThrows(WardenError, codeIs(UsersErrorCode.TeamNotFound));
        spec.given([]).when(command).thenThrows(WardenError, codeIs(UsersErrorCode.TeamNotFound));
      },
    );
  });

  it('records JSON', () => {
    const events: DomainEvent[] = [created, added('svc-1'), removed('svc-1'), teamDeleted];
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
  });
});
