import { Command } from 'commander';
import { renderFields } from '../output';
import type { ContextOf } from './login.command';
import { withApi } from './with-api';

export function registerWhoamiCommand(program: Command, contextOf: ContextOf): void {
  program
    .command('whoami')
    .description(
      'who the stored login (or WARDEN_API_KEY) stands for: account, organization, roles, permissions',
    )
    .action(
      withApi(contextOf, async ({ context, api }) => {
        const me = await api.answer(api.client.GET('/api/v1/auth/whoami'));
        context.print(
          () =>
            renderFields([
              ['user', me.user_id],
              ['organization', me.organization_id],
              ['type', me.account_type],
              ['roles', me.roles],
              ['teams', me.teams],
              ['permissions', Object.keys(me.permissions).sort()],
              ['credential', `${me.credential.kind} ${me.credential.id}`],
              ['expires', me.credential.expires_at ?? 'never'],
            ]),
          me,
        );
      }),
    );
}
