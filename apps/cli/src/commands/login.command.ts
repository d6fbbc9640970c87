import { Command } from 'commander';
import { CliError } from '../cli-error';
import { CommandContext } from '../command-context';
import { loadCredentials, removeCredentials, saveCredentials } from '../credentials-store';
import { ExitCode } from '../exit-codes';
import { renderFields } from '../output';
import { askHidden, askLine, readStdin } from '../prompts';
import { WardenApi } from '../warden-api';

export type ContextOf = (command: Command) => CommandContext;

interface LoginOptions {
  username?: string;
  passwordStdin?: boolean;
}

export function registerLoginCommands(program: Command, contextOf: ContextOf): void {
  program
    .command('login')
    .description('log in with a username and password; the key is stored in a file only you can read (0600)')
    .option('-u, --username <username>', 'the account to log in as (asked for when absent)')
    .option('--password-stdin', 'read the password from stdin instead of asking for it')
    .action(async (options: LoginOptions, command: Command) => {
      const context = contextOf(command);
      const { io } = context;
      const username =
        options.username ??
        (io.stdin.isTTY && !options.passwordStdin ? await askLine(io, 'Username: ') : undefined);
      if (!username) throw new CliError('a username is needed: --username <username>', ExitCode.Usage);
      const password = options.passwordStdin ? await readStdin(io) : await askHidden(io, 'Password: ');
      if (!password) throw new CliError('the password is empty', ExitCode.Usage);

      const api = context.anonymousApi();
      const login = await api.answer(api.client.POST('/api/v1/auth/login', { body: { username, password } }));
      const file = context.credentialsFile;
      await saveCredentials(file, {
        url: api.baseUrl,
        username,
        key: login.key,
        expires_at: login.expires_at ?? null,
      });
      // the key itself is never printed: it is in the file
      const summary = { username, url: api.baseUrl, expires_at: login.expires_at ?? null, credentials: file };
      context.print(
        () =>
          renderFields([
            ['logged in as', username],
            ['gateway', api.baseUrl],
            ['expires', summary.expires_at],
            ['key stored in', file],
          ]),
        summary,
      );
    });

  program
    .command('logout')
    .description('end the login session and delete the stored key')
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const file = context.credentialsFile;
      const stored = await loadCredentials(file);
      if (!stored) {
        context.print(() => 'not logged in\n', { logged_out: false });
        return;
      }
      try {
        const api = new WardenApi(stored.url, stored.key);
        await api.answer(api.client.POST('/api/v1/auth/logout'));
      } catch (error) {
        // an expired or already ended session is as good as ended; otherwise the key is kept
        // so that the logout can be tried again
        if (!(error instanceof CliError) || error.exitCode !== ExitCode.Auth) throw error;
      }
      await removeCredentials(file);
      context.print(() => `logged out ${stored.username}\n`, { logged_out: true, username: stored.username });
    });
}
