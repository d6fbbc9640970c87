// Queries answer from the read models, never from the event store: every message handler of
// the users service's resource controllers is either a query, run here against an event
// store that refuses every call, or a command listed as one. A new handler that is neither
// fails the walk; a query that reads a stream (or the log) fails against the refusing store.
import {
  OrganizationView,
  RoleSubjects,
  TeamSubjects,
  TeamView,
  UserSubjects,
  UserView,
  UsersSubjects,
} from '@warden/contracts';
import { WalkedQuery, messageHandlersOf, refusingEventStore, walkQueries } from '@warden/testing';
import { OrganizationsController } from '../organizations/organizations.controller';
import { OrganizationsService } from '../organizations/organizations.service';
import { RolesController } from '../roles/roles.controller';
import { RolesService } from '../roles/roles.service';
import { TeamsController } from '../teams/teams.controller';
import { TeamsService } from '../teams/teams.service';
import { UsersHarness, startUsersHarness } from '../test/users-harness';
import { UsersContext } from '../users-context';
import { UsersController } from '../users/users.controller';
import { UsersService } from '../users/users.service';

// The handlers that change something: they fold streams to decide, as commands do.
const COMMANDS = new Set<string>([
  UserSubjects.create,
  UserSubjects.update,
  UserSubjects.deactivate,
  UserSubjects.reactivate,
  UserSubjects.delete,
  UsersSubjects.createOrganization,
  UsersSubjects.updateOrganization,
  TeamSubjects.create,
  TeamSubjects.rename,
  TeamSubjects.addMember,
  TeamSubjects.removeMember,
  TeamSubjects.delete,
  RoleSubjects.create,
  RoleSubjects.archive,
]);

function controllersOn(ctx: UsersContext): object[] {
  return [
    new UsersController(new UsersService(ctx)),
    new OrganizationsController(new OrganizationsService(ctx)),
    new TeamsController(new TeamsService(ctx)),
    new RolesController(new RolesService(ctx)),
  ];
}

describe('queries of the users service', () => {
  let h: UsersHarness;
  beforeEach(async () => {
    h = await startUsersHarness();
  });
  afterEach(() => h.dispose());

  it('answer from the read models while the event store refuses every call, what the commands answered from their folds', async () => {
    // Made (and answered) by commands on the real store.
    const team = await h.teams.create({ context: h.admin, payload: { name: 'Integrations' } });
    await new RolesService(h.ctx).create({ context: h.admin, payload: { name: 'AUDITORS', display_name: 'Auditors', permissions: ['audit:read'] } });
    const created = await h.users.create({
      context: h.admin,
      payload: { username: 'svc-walk', account_type: 'service_external', teams: [team.id], issue_token: false },
    });
    const user: UserView = await h.users.update({ context: h.admin, payload: { id: created.id, changes: { description: 'walks the queries' } } });
    const organization: OrganizationView = await new OrganizationsService(h.ctx).update({
      context: h.admin,
      payload: { id: h.organizationId, settings: { max_token_lifetime_seconds: null, access_token_lifetime_seconds: 600 } },
    });
    const renamed: TeamView = await h.teams.rename({ context: h.admin, payload: { id: team.id, name: 'Integrations 2' } });
    expect(organization.service_accounts.service_external).toBe(1);
    expect(renamed.members).toEqual([user.id]);

    const rootOrganizationId = h.ctx.identity.rootOrganizationId;
    const queries: Record<string, WalkedQuery> = {
      [UserSubjects.get]: { context: h.admin, payload: { id: user.id }, expect: (answer) => expect(answer).toEqual(user) },
      [UserSubjects.me]: {
        context: h.platformAdmin,
        payload: {},
        expect: (answer) =>
          expect(answer).toMatchObject({ id: h.platformAdmin.actorId, username: 'admin', organization: { id: rootOrganizationId }, platform_admin: true }),
      },
      [UserSubjects.list]: {
        context: h.admin,
        payload: {},
        expect: (answer) => expect(answer).toMatchObject({ total: 1, results: [{ id: user.id, description: 'walks the queries', teams: [team.id] }] }),
      },
      [UsersSubjects.getOrganization]: { context: h.admin, payload: { id: h.organizationId }, expect: (answer) => expect(answer).toEqual(organization) },
      [UsersSubjects.listOrganizations]: {
        context: h.platformAdmin,
        payload: { page: 1, page_size: 20 },
        expect: (answer) => expect((answer as { results: OrganizationView[] }).results).toContainEqual(organization),
      },
      [TeamSubjects.get]: { context: h.admin, payload: { id: team.id }, expect: (answer) => expect(answer).toEqual(renamed) },
      [TeamSubjects.list]: {
        context: h.admin,
        payload: {},
        expect: (answer) => expect(answer).toMatchObject({ total: 1, results: [{ id: team.id, name: 'Integrations 2', member_count: 1 }] }),
      },
      [RoleSubjects.list]: {
        context: h.admin,
        payload: {},
        expect: (answer) =>
          expect(Object.values(answer as Record<string, { name: string }[]>).flat().map((role) => role.name)).toContain('AUDITORS'),
      },
    };

    const calls: string[] = [];
    const handlers = new Map(controllersOn({ ...h.ctx, store: refusingEventStore(calls) }).flatMap((controller) => [...messageHandlersOf(controller)]));
    // The walk: every handler is a query (run) or a command; none is left unclassed.
    await walkQueries(handlers, queries, COMMANDS);
    expect(calls).toEqual([]);
  });

  it('fail against the refusing store when a handler reads a stream: the check can fail', async () => {
    const calls: string[] = [];
    const handlers = new Map(controllersOn({ ...h.ctx, store: refusingEventStore(calls) }).flatMap((controller) => [...messageHandlersOf(controller)]));
    // A command folds its stream first: the refusing store stops it and notes the read.
    await expect(handlers.get(TeamSubjects.rename)!({ context: h.admin, payload: { id: h.organizationId, name: 'x' } })).rejects.toThrow(
      "a query called the event store's readStream",
    );
    expect(calls).toEqual(['readStream']);
  });
});
