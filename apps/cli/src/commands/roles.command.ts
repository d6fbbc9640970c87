import type { WardenSchema } from '@warden/api-client';
import { Command, Option } from 'commander';
import { type Cell, renderTable } from '../output';
import type { ContextOf } from './login.command';
import { answersWith, withApi } from './with-api';

const collect = (value: string, previous: string[]) => [...previous, value];

/** A role as the API answers it, every field of it. */
const roleFields = (role: WardenSchema<'RoleView'>): [string, Cell][] => Object.entries(role);

interface CreateOptions {
  displayName: string;
  permission: string[];
  description?: string;
  scope?: 'organization' | 'team';
  organization?: string;
}

export function registerRolesCommands(program: Command, contextOf: ContextOf): void {
  const roles = program
    .command('roles')
    .description("roles: Warden's default ones and your organization's own");

  roles
    .command('list')
    .description('every role, with its permissions')
    .option('--organization <id>', 'another organization (the platform admin only)')
    .action(
      withApi<[], { organization?: string }>(contextOf, async ({ context, api }, options) => {
        const catalogue = await api.answer(
          api.client.GET('/api/v1/roles', { params: { query: { account_id: options.organization } } }),
        );
        const listed = Object.entries(catalogue).flatMap(([application, inIt]) =>
          inIt.map((role) => ({ application, ...role })),
        );
        context.print(
          () =>
            renderTable(
              ['NAME', 'TYPE', 'STATUS', 'SCOPE', 'APPLICATION', 'PERMISSIONS'],
              listed.map((role) => [
                role.name,
                role.type,
                role.status,
                role.access_scope,
                role.application,
                role.permissions,
              ]),
            ),
          catalogue,
        );
      }),
    );

  roles
    .command('create')
    .description('create a custom role from permissions you hold')
    .argument('<name>', 'its name, upper case, e.g. RECORDS_WRITER')
    .requiredOption('--display-name <text>', 'how people see it')
    .requiredOption('--permission <permission>', 'a permission it grants (repeat for several)', collect, [])
    .option('--description <text>')
    .addOption(new Option('--scope <scope>', 'where its permissions apply').choices(['organization', 'team']))
    .option('--organization <id>', 'another organization (the platform admin only)')
    .action(
      answersWith(contextOf, roleFields, (api, name: string, options: CreateOptions) =>
        api.answer(
          api.client.POST('/api/v1/roles', {
            body: {
              name,
              display_name: options.displayName,
              permissions: options.permission,
              description: options.description,
              access_scope: options.scope,
              account_id: options.organization,
            },
          }),
        ),
      ),
    );

  roles
    .command('archive')
    .description('archive a custom role: no longer granted; those who hold it keep it')
    .argument('<name>', 'the role name')
    .action(
      answersWith(contextOf, roleFields, (api, name: string) =>
        api.answer(api.client.POST('/api/v1/roles/{name}/archive', { params: { path: { name } } })),
      ),
    );
}
