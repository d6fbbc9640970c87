import type { WardenSchema } from '@warden/api-client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../cli-error';
import { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { readStdin } from '../prompts';
import { Cell, renderFields, renderTable } from '../output';
import { PAGE_SIZE, listAll } from '../pages';

type TokenView = WardenSchema<'TokenView'>;
type IssuedTokenView = WardenSchema<'IssuedTokenView'>;
type TokenStatus = TokenView['status'];
import type { ContextOf } from './login.command';
import { answersWith, withApi } from './with-api';

const collect = (value: string, previous: string[]) => [...previous, value];

function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number of seconds');
  return Number(value);
}

/** The secret went to stdout: the notice goes to stderr, so `> file` captures the secret alone with its fields. */
export function printSecretNotice(context: CommandContext): void {
  context.notice('The token is shown this once: store it now. Warden keeps only its hash.');
}

function tokenFields(token: TokenView): [string, Cell][] {
  return [
    ['id', token.id],
    ['name', token.name],
    ['owner', token.user_id],
    ['status', token.status],
    ['visibility', token.visibility],
    ['allowed origins', token.allowed_origins],
    ['permissions', token.permissions ?? 'all of its owner'],
    ['secret', `${token.prefix}…${token.last_four}`],
    ['created', token.created_at],
    ['expires', token.expires_at ?? 'never'],
    ['last used', token.last_used_at],
    ['rotated', token.rotated_at],
    ['revoked', token.revoked_at],
  ];
}

/** The token's fields and, last, its secret: the one time it is shown. */
function printIssued(context: CommandContext, issued: IssuedTokenView): void {
  context.print(() => renderFields([...tokenFields(issued), ['token', issued.token]]), issued);
  printSecretNotice(context);
}

interface IssueOptions {
  account: string;
  name: string;
  visibility?: 'private' | 'public';
  origin: string[];
  expiresAt?: string;
  permission: string[];
}

export function registerTokensCommands(program: Command, contextOf: ContextOf): void {
  const tokens = program.command('tokens').description('API tokens of service accounts');

  tokens
    .command('issue')
    .description('issue a token to a service account; its secret is printed once, on stdout')
    .requiredOption('--account <id>', 'the service account that owns it')
    .requiredOption('--name <name>', 'what it is for, e.g. "DocuSign Connect"')
    .addOption(
      new Option('--visibility <visibility>', 'public tokens work only from --origin').choices([
        'private',
        'public',
      ]),
    )
    .option(
      '--origin <origin>',
      'an exact origin a public token works from (repeat for several)',
      collect,
      [],
    )
    .option('--expires-at <iso-8601>', 'when it stops working, e.g. 2030-01-01T00:00:00Z')
    .option(
      '--permission <permission>',
      "narrow it to this permission of its owner's (repeat for several)",
      collect,
      [],
    )
    .action(
      withApi<[], IssueOptions>(contextOf, async ({ context, api }, options) => {
        const issued = await api.answer(
          api.client.POST('/api/v1/tokens', {
            body: {
              user_id: options.account,
              name: options.name,
              visibility: options.visibility,
              allowed_origins: options.origin.length > 0 ? options.origin : undefined,
              expires_at: options.expiresAt,
              permissions: options.permission.length > 0 ? options.permission : undefined,
            },
          }),
        );
        printIssued(context, issued);
      }),
    );

  tokens
    .command('list')
    .description("list your organization's tokens (never their secrets)")
    .option('--account <id>', 'only the tokens this service account owns')
    .addOption(
      new Option('--status <status>', 'only tokens in this state').choices(['active', 'revoked', 'expired', 'disabled', 'owner_inactive']),
    )
    .option('--expiring-within <duration>', 'only working tokens that expire within this long: 7d, 12h, 30m or 90s')
    .action(
      withApi<[], { account?: string; status?: TokenStatus; expiringWithin?: string }>(
        contextOf,
        async ({ context, api }, options) => {
          const listed = await listAll((page) =>
            api.answer(
              api.client.GET('/api/v1/tokens', {
                params: {
                  query: { owner: options.account, status: options.status, expiring_within: options.expiringWithin, page, page_size: PAGE_SIZE },
                },
              }),
            ),
          );
          context.print(
            () =>
              renderTable(
                ['ID', 'NAME', 'OWNER', 'STATUS', 'SECRET', 'EXPIRES', 'LAST USED'],
                listed.map((t) => [
                  t.id,
                  t.name,
                  t.user_id,
                  t.status,
                  `${t.prefix}…${t.last_four}`,
                  t.expires_at ?? 'never',
                  t.last_used_at,
                ]),
              ),
            listed,
          );
        },
      ),
    );

  tokens
    .command('show')
    .description('one token (never its secret)')
    .argument('<id>', 'the token id')
    .action(
      answersWith(contextOf, tokenFields, (api, id: string) =>
        api.answer(api.client.GET('/api/v1/tokens/{id}', { params: { path: { id } } })),
      ),
    );

  tokens
    .command('rotate')
    .description('give a token a new secret, printed once; the old one works for --grace-period seconds')
    .argument('<id>', 'the token id')
    .option(
      '--grace-period <seconds>',
      'how long the old secret keeps working (default 0: it stops at once)',
      seconds,
    )
    .action(
      withApi<[string], { gracePeriod?: number }>(contextOf, async ({ context, api }, id, options) => {
        const body = options.gracePeriod === undefined ? {} : { grace_period_seconds: options.gracePeriod };
        printIssued(
          context,
          await api.answer(api.client.POST('/api/v1/tokens/{id}/rotate', { params: { path: { id } }, body })),
        );
      }),
    );

  tokens
    .command('reassign')
    .description('give a token to another service account of the organization')
    .argument('<id>', 'the token id')
    .requiredOption('--to <account-id>', 'the service account that will own it')
    .action(
      answersWith(contextOf, tokenFields, (api, id: string, options: { to: string }) =>
        api.answer(
          api.client.POST('/api/v1/tokens/{id}/reassign', {
            params: { path: { id } },
            body: { user_id: options.to },
          }),
        ),
      ),
    );

  tokens
    .command('revoke')
    .description('revoke a token: every secret of it stops working when this returns')
    .argument('<id>', 'the token id')
    .action(
      answersWith(contextOf, tokenFields, (api, id: string) =>
        api.answer(api.client.POST('/api/v1/tokens/{id}/revoke', { params: { path: { id } } })),
      ),
    );

  tokens
    .command('verify')
    .description('whether a token works, and for whom; exits 10 when it does not')
    .argument('[token]', 'the token (better: --stdin, which keeps it out of the shell history)')
    .option('--stdin', 'read the token from stdin')
    .option('--origin <origin>', 'the origin it is presented from, for a public token')
    .action(
      async (given: string | undefined, options: { stdin?: boolean; origin?: string }, command: Command) => {
        const context = contextOf(command);
        const token = options.stdin ? (await readStdin(context.io)).trim() : given;
        if (!token)
          throw new CliError('a token is needed: as the argument, or on stdin with --stdin', ExitCode.Usage);
        const api = await context.api();
        const answer = await api.answer(
          api.client.POST('/api/v1/tokens/verify', { body: { token, origin: options.origin } }),
        );
        context.print(
          () =>
            answer.active
              ? renderFields([
                  ['active', true],
                  ['token', answer.token_id],
                  ['kind', answer.token_type],
                  ['owner', answer.user_id],
                  ['organization', answer.organization_id],
                  ['type', answer.account_type],
                  ['roles', answer.roles],
                  ['permissions', Object.keys(answer.permissions).sort()],
                  ['expires', answer.expires_at ?? 'never'],
                ])
              : renderFields([
                  ['active', false],
                  ['reason', answer.reason ?? 'not said (you need tokens:read)'],
                ]),
          answer,
        );
        if (!answer.active) context.exitWith(ExitCode.TokenInactive);
      },
    );
}
