import { Command, CommanderError } from 'commander';
import { ApiError, CliError, formatProblem } from './cli-error';
import { CliIo, CommandContext, GlobalOptions, RunOutcome } from './command-context';
import { registerAccountsCommands } from './commands/accounts.command';
import { registerAuditCommands } from './commands/audit.command';
import { registerCompletionCommand } from './commands/completion.command';
import { registerLoginCommands } from './commands/login.command';
import { registerOrganizationsCommands } from './commands/organizations.command';
import { registerReplayCommand } from './commands/replay.command';
import { registerRolesCommands } from './commands/roles.command';
import { registerTeamsCommands } from './commands/teams.command';
import { registerWebhooksCommands } from './commands/webhooks.command';
import { registerTokensCommands } from './commands/tokens.command';
import { registerWhoamiCommand } from './commands/whoami.command';
import { ExitCode } from './exit-codes';
import { renderJson } from './output';

export const CLI_VERSION = '0.1.0';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  any other failure (a server error, an answer that is not the API's)
  2  usage: the command line is wrong
  3  not logged in, the login expired, or not allowed (401, 403)
  4  not found (404)
  5  conflict with the current state (409)
  6  the API refused the input (400, 422); the fields at fault are on stderr
  7  the gateway is unreachable, throttling or unavailable (429, 503): try again later
  8  audit verify: the hash chain is broken
  9  replay --mode compare: the live read model differs from a fresh replay
  10 tokens verify: the token does not work

Errors go to stderr (with --json, the API's problem document as JSON); results to stdout.`;

function globalOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the gateway (default: WARDEN_URL, else the one logged in to, else http://127.0.0.1:3000)')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--credentials <file>', 'where the login key is kept (default: WARDEN_CREDENTIALS, else ~/.config/warden/credentials)');
}

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}

export function buildProgram(io: CliIo, outcome: RunOutcome): Command {
  const program = new Command('warden')
    .description('Warden from the command line: organizations, service accounts, API tokens, roles, teams, the audit log and read model replays, over the HTTP API')
    .version(CLI_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .addHelpText('after', EXIT_CODES_HELP);
  globalOptions(program);
  const contextOf = (command: Command) => new CommandContext(io, command.optsWithGlobals<GlobalOptions>(), outcome);
  registerLoginCommands(program, contextOf);
  registerWhoamiCommand(program, contextOf);
  registerOrganizationsCommands(program, contextOf);
  registerAccountsCommands(program, contextOf);
  registerTokensCommands(program, contextOf);
  registerRolesCommands(program, contextOf);
  registerTeamsCommands(program, contextOf);
  registerAuditCommands(program, contextOf);
  registerWebhooksCommands(program, contextOf);
  registerReplayCommand(program, contextOf);
  // the global options work after the command's name too: `warden tokens list --json`
  for (const command of leaves(program)) if (command !== program) globalOptions(command);
  // last, so that the script it prints knows every command and option
  registerCompletionCommand(program, contextOf);
  return program;
}

/** Runs one command line (without `node` and the script) and answers its exit code; never exits the process. */
export async function runCli(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const outcome: RunOutcome = { exitCode: ExitCode.Ok };
  const program = buildProgram(io, outcome);
  const json = args.includes('--json');
  try {
    await program.parseAsync([...args], { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    // commander has already said what was wrong (or printed the help asked for)
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (error instanceof ApiError) {
      io.stderr.write(json ? renderJson(error.problem) : formatProblem(error.problem));
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(json ? renderJson({ error: error.message }) : `error: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Failure;
  }
}
