import type { WardenSchema } from '@warden/api-client';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error';
import { ExitCode } from '../exit-codes';
import { Cell, renderFields, renderTable } from '../output';
import { PAGE_SIZE, listAll } from '../pages';
import { readStdin } from '../prompts';
import type { WardenApi } from '../warden-api';
import type { ContextOf } from './login.command';
import { printSecretNotice } from './tokens.command';
import { answersWith, printDeleted, withApi } from './with-api';

const SERVICE_ACCOUNT_TYPES = ['service_external', 'service_internal'] as const;

interface CreateOptions {
  type: (typeof SERVICE_ACCOUNT_TYPES)[number];
  organization?: string;
  firstName?: string;
  lastName?: string;
  friendlyName?: string;
  description?: string;
  role: string[];
  passwordStdin?: boolean;
  issueToken?: boolean;
}

interface ListOptions {
  type?: (typeof SERVICE_ACCOUNT_TYPES)[number];
  status?: 'active' | 'deactivated';
}

const collect = (value: string, previous: string[]) => [...previous, value];

function accountFields(account: WardenSchema<'UserView'>): [string, Cell][] {
  return [
    ['id', account.id],
    ['username', account.username],
    ['type', account.account_type],
    ['organization', account.organization_id],
    ['status', account.status],
    ['name', [account.first_name, account.last_name].filter(Boolean).join(' ') || account.friendly_name],
    ['description', account.description],
    ['roles', account.roles],
    ['teams', account.teams],
    ['created', account.created_at],
    ['last active', account.last_active_at],
  ];
}

/** What `create` prints of the new account, before its token. */
const CREATED_FIELDS = ['id', 'username', 'type', 'organization', 'status', 'roles'];

export function registerAccountsCommands(program: Command, contextOf: ContextOf): void {
  const accounts = program.command('accounts').description('service accounts');
  /** A command on one account whose answer is the account as it now stands. */
  const answersAccount = (
    name: string,
    description: string,
    call: (api: WardenApi, id: string) => Promise<WardenSchema<'UserView'>>,
  ) =>
    accounts
      .command(name)
      .description(description)
      .argument('<id>', 'the account id')
      .action(answersWith(contextOf, accountFields, call));

  accounts
    .command('create')
    .description('create a service account (in your organization unless --organization names another)')
    .argument('<username>', 'its username, e.g. docusign-webhooks@acme')
    .addOption(
      new Option('-t, --type <type>', 'the kind of service account')
        .choices(SERVICE_ACCOUNT_TYPES)
        .default('service_external'),
    )
    .option('--organization <id>', 'the organization to create it in (the platform admin: any)')
    .option('--first-name <name>')
    .option('--last-name <name>')
    .option('--friendly-name <name>')
    .option('--description <text>')
    .option('--role <name>', 'a role to grant (repeat for several)', collect, [])
    .option('--password-stdin', 'give it a password, read from stdin (a token-only account has none)')
    .option('--issue-token', 'also issue its first API token, printed once')
    .action(async (username: string, options: CreateOptions, command: Command) => {
      const context = contextOf(command);
      const password = options.passwordStdin ? await readStdin(context.io) : undefined;
      if (options.passwordStdin && !password)
        throw new CliError('the password read from stdin is empty', ExitCode.Usage);
      const api = await context.api();
      const created = await api.answer(
        api.client.POST('/api/v1/users', {
          body: {
            username,
            account_type: options.type,
            organization: options.organization,
            first_name: options.firstName,
            last_name: options.lastName,
            friendly_name: options.friendlyName,
            description: options.description,
            roles: options.role.length > 0 ? options.role : undefined,
            password,
            issue_token: options.issueToken ? true : undefined,
          },
        }),
      );
      context.print(
        () =>
          renderFields([
            ...accountFields(created).filter(([label]) => CREATED_FIELDS.includes(label)),
            ...(created.api_token
              ? ([
                  ['token id', created.api_token.id],
                  ['token', created.api_token.token],
                ] as const)
              : []),
          ]),
        created,
      );
      if (created.api_token) printSecretNotice(context);
      if (created.api_token === null && created.api_token_error) {
        // the account stands; only its token is missing, and the caller must know
        context.io.stderr.write(
          `warning: the account was created but its token was not issued: ${created.api_token_error.detail} (${created.api_token_error.code})\n`,
        );
        context.exitWith(ExitCode.Failure);
      }
    });

  accounts
    .command('list')
    .description("list your organization's service accounts")
    .addOption(new Option('-t, --type <type>', 'only this kind').choices(SERVICE_ACCOUNT_TYPES))
    .addOption(
      new Option('--status <status>', 'only active or deactivated ones').choices(['active', 'deactivated']),
    )
    .action(
      withApi<[], ListOptions>(contextOf, async ({ context, api }, options) => {
        const users = await listAll((page) =>
          api.answer(
            api.client.GET('/api/v1/users', {
              params: {
                query: {
                  account_type: options.type,
                  status: options.status,
                  sort: 'created',
                  page,
                  page_size: PAGE_SIZE,
                },
              },
            }),
          ),
        );
        const serviceAccounts = users.filter((user) => user.account_type !== 'user');
        context.print(
          () =>
            renderTable(
              ['ID', 'USERNAME', 'TYPE', 'STATUS', 'ROLES', 'LAST ACTIVE', 'CREATED'],
              serviceAccounts.map((a) => [
                a.id,
                a.username,
                a.account_type,
                a.status,
                a.roles,
                a.last_active_at,
                a.created_at,
              ]),
            ),
          serviceAccounts,
        );
      }),
    );

  answersAccount('show', 'one account: its type, status, roles, teams and last activity', (api, id) =>
    api.answer(api.client.GET('/api/v1/users/{id}', { params: { path: { id } } })),
  );
  answersAccount(
    'deactivate',
    'deactivate an account: its tokens stop at once, until it is reactivated',
    (api, id) => api.answer(api.client.POST('/api/v1/users/{id}/deactivate', { params: { path: { id } } })),
  );
  answersAccount(
    'reactivate',
    'reactivate an account: its tokens work again, unless revoked or expired meanwhile',
    (api, id) => api.answer(api.client.POST('/api/v1/users/{id}/reactivate', { params: { path: { id } } })),
  );

  accounts
    .command('delete')
    .description('delete an account (one that still owns tokens cannot be: revoke or reassign them first)')
    .argument('<id>', 'the account id')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        await api.answer(api.client.DELETE('/api/v1/users/{id}', { params: { path: { id } } }));
        printDeleted(context, 'account', id);
      }),
    );

  accounts
    .command('oauth')
    .description(
      'a service account as an OAuth client: its client_id, client secrets, keys and federation rules',
    )
    .argument('<id>', 'the account id (its client_id)')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        const client = await api.answer(
          api.client.GET('/api/v1/users/{id}/oauth-client', { params: { path: { id } } }),
        );
        context.print(
          () =>
            [
              renderFields([
                ['client_id', client.client_id],
                ['organization', client.organization_id],
              ]),
              '',
              'client secrets',
              renderTable(
                ['ID', 'SECRET', 'STATUS', 'VALID UNTIL', 'CREATED'],
                client.client_secrets.map((secret) => [
                  secret.id,
                  `${secret.prefix}…${secret.last_four}`,
                  secret.status,
                  secret.valid_until,
                  secret.created_at,
                ]),
              ),
              '',
              'keys',
              renderTable(
                ['ID', 'ALGORITHM', 'STATUS', 'EXPIRES', 'REGISTERED'],
                client.keys.map((key) => [
                  key.id,
                  key.algorithm,
                  key.status,
                  key.expires_at,
                  key.registered_at,
                ]),
              ),
              '',
              'federation rules',
              renderTable(
                ['ID', 'ISSUER', 'AUDIENCES', 'CLAIMS', 'CREATED'],
                client.federation_rules.map((rule) => [
                  rule.id,
                  rule.issuer,
                  rule.audiences,
                  Object.entries(rule.claims).map(([name, value]) => `${name}=${value}`),
                  rule.created_at,
                ]),
              ),
            ].join('\n'),
          client,
        );
      }),
    );

  accounts
    .command('add-client-secret')
    .description('a new client secret for the account, printed once')
    .argument('<id>', 'the account id (its client_id)')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        const secret = await api.answer(
          api.client.POST('/api/v1/users/{id}/client-secrets', { params: { path: { id } } }),
        );
        context.print(
          () =>
            renderFields([
              ['client_id', secret.client_id],
              ['secret id', secret.id],
              ['client_secret', secret.client_secret],
            ]),
          secret,
        );
        context.notice('The client secret is shown this once: store it now. Warden keeps only its hash.');
      }),
    );
}
