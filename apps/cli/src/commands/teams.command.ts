import type { WardenSchema } from '@warden/api-client';
import { Command } from 'commander';
import { type Cell, renderTable } from '../output';
import { PAGE_SIZE, listAll } from '../pages';
import type { ContextOf } from './login.command';
import { answersWith, printDeleted, withApi } from './with-api';

type TeamView = WardenSchema<'TeamView'>;

function teamFields(team: TeamView): [string, Cell][] {
  return [
    ['id', team.id],
    ['name', team.name],
    ['members', team.members],
    ['created', team.created_at],
  ];
}

export function registerTeamsCommands(program: Command, contextOf: ContextOf): void {
  const teams = program.command('teams').description("your organization's teams");
  teams
    .command('list')
    .description('every team, with its member count')
    .action(
      withApi(contextOf, async ({ context, api }) => {
        const listed = await listAll((page) =>
          api.answer(api.client.GET('/api/v1/teams', { params: { query: { page, page_size: PAGE_SIZE } } })),
        );
        context.print(
          () =>
            renderTable(
              ['ID', 'NAME', 'MEMBERS', 'CREATED'],
              listed.map((t) => [t.id, t.name, t.member_count, t.created_at]),
            ),
          listed,
        );
      }),
    );

  teams
    .command('show')
    .description('one team, with its members')
    .argument('<id>', 'the team id')
    .action(
      answersWith(contextOf, teamFields, (api, id: string) =>
        api.answer(api.client.GET('/api/v1/teams/{id}', { params: { path: { id } } })),
      ),
    );

  teams
    .command('create')
    .description('create a team')
    .argument('<name>', 'its name, unique in the organization')
    .action(
      answersWith(contextOf, teamFields, (api, name: string) =>
        api.answer(api.client.POST('/api/v1/teams', { body: { name } })),
      ),
    );

  teams
    .command('rename')
    .description('rename a team')
    .argument('<id>', 'the team id')
    .argument('<name>', 'its new name')
    .action(
      answersWith(contextOf, teamFields, (api, id: string, name: string) =>
        api.answer(api.client.PATCH('/api/v1/teams/{id}', { params: { path: { id } }, body: { name } })),
      ),
    );

  teams
    .command('add-member')
    .description('add a user or service account to a team')
    .argument('<id>', 'the team id')
    .argument('<user-id>', 'the member')
    .action(
      answersWith(contextOf, teamFields, (api, id: string, userId: string) =>
        api.answer(
          api.client.POST('/api/v1/teams/{id}/members', {
            params: { path: { id } },
            body: { user_id: userId },
          }),
        ),
      ),
    );

  teams
    .command('remove-member')
    .description('remove a member from a team')
    .argument('<id>', 'the team id')
    .argument('<user-id>', 'the member')
    .action(
      answersWith(contextOf, teamFields, (api, id: string, userId: string) =>
        api.answer(
          api.client.DELETE('/api/v1/teams/{id}/members/{userId}', { params: { path: { id, userId } } }),
        ),
      ),
    );

  teams
    .command('delete')
    .description('delete an empty team')
    .argument('<id>', 'the team id')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        await api.answer(api.client.DELETE('/api/v1/teams/{id}', { params: { path: { id } } }));
        printDeleted(context, 'team', id);
      }),
    );
}
