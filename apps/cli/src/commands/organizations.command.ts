import type { WardenSchema } from '@warden/api-client';
import { Command, InvalidArgumentError } from 'commander';
import { Cell, renderTable } from '../output';
import { PAGE_SIZE, listAll } from '../pages';
import type { ContextOf } from './login.command';
import { answersWith, withApi } from './with-api';

type OrganizationView = WardenSchema<'OrganizationView'>;

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

function organizationFields(organization: OrganizationView): [string, Cell][] {
  return [
    ['id', organization.id],
    ['name', organization.name],
    ['root', organization.root],
    [
      'internal accounts',
      `${organization.service_accounts.service_internal} of ${organization.settings.service_internal_limit}`,
    ],
    [
      'external accounts',
      `${organization.service_accounts.service_external} of ${organization.settings.service_external_limit}`,
    ],
    [
      'max token lifetime',
      organization.settings.max_token_lifetime_seconds === null
        ? 'none'
        : `${organization.settings.max_token_lifetime_seconds}s`,
    ],
    ['access token lifetime', `${organization.settings.access_token_lifetime_seconds}s`],
    ['human password login', organization.settings.human_password_login],
    ['created', organization.created_at],
  ];
}

interface CreateOptions {
  serviceExternalLimit?: number;
  maxTokenLifetime?: number;
  accessTokenLifetime?: number;
}

interface UpdateOptions {
  accessTokenLifetime?: number;
}

const ACCESS_TOKEN_LIFETIME_HELP =
  'lifetime (expires_in) of the OAuth access tokens it grants, 60 to 86400 (default 900)';

export function registerOrganizationsCommands(program: Command, contextOf: ContextOf): void {
  const organizations = program
    .command('organizations')
    .description('organizations (tenants): yours, or every one for the platform admin');

  organizations
    .command('list')
    .description('the organizations you can see')
    .action(
      withApi(contextOf, async ({ context, api }) => {
        const listed = await listAll((page) =>
          api.answer(
            api.client.GET('/api/v1/organizations', { params: { query: { page, page_size: PAGE_SIZE } } }),
          ),
        );
        context.print(
          () =>
            renderTable(
              ['ID', 'NAME', 'ROOT', 'INTERNAL', 'EXTERNAL', 'CREATED'],
              listed.map((o) => [
                o.id,
                o.name,
                o.root,
                o.service_accounts.service_internal,
                o.service_accounts.service_external,
                o.created_at,
              ]),
            ),
          listed,
        );
      }),
    );

  organizations
    .command('show')
    .description('one organization, with its settings')
    .argument('<id>', 'the organization id')
    .action(
      answersWith(contextOf, organizationFields, (api, id: string) =>
        api.answer(api.client.GET('/api/v1/organizations/{id}', { params: { path: { id } } })),
      ),
    );

  organizations
    .command('create')
    .description('create an organization (the platform admin only)')
    .argument('<name>', 'its name, unique')
    .option(
      '--service-external-limit <count>',
      'how many external service accounts it may have (default 5)',
      count,
    )
    .option('--max-token-lifetime <seconds>', 'the longest life of its tokens (default: none)', count)
    .option('--access-token-lifetime <seconds>', ACCESS_TOKEN_LIFETIME_HELP, count)
    .action(
      answersWith(contextOf, organizationFields, (api, name: string, options: CreateOptions) => {
        const settings = {
          service_external_limit: options.serviceExternalLimit,
          max_token_lifetime_seconds: options.maxTokenLifetime,
          access_token_lifetime_seconds: options.accessTokenLifetime,
        };
        return api.answer(api.client.POST('/api/v1/organizations', { body: { name, settings } }));
      }),
    );

  organizations
    .command('update')
    .description("change an organization's settings (its admin); tokens already out keep their expiry")
    .argument('<id>', 'the organization id')
    .option('--access-token-lifetime <seconds>', ACCESS_TOKEN_LIFETIME_HELP, count)
    .action(
      answersWith(contextOf, organizationFields, (api, id: string, options: UpdateOptions) => {
        const settings = { access_token_lifetime_seconds: options.accessTokenLifetime };
        return api.answer(
          api.client.PATCH('/api/v1/organizations/{id}', { params: { path: { id } }, body: { settings } }),
        );
      }),
    );
}
