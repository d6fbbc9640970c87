import { Command } from 'commander';
import { CliError } from '../cli-error';
import { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { WardenApi } from '../warden-api';
import { answersWith, printDeleted, withApi } from './with-api';

function contextWith(
  api: () => Promise<WardenApi>,
  json = false,
): { context: CommandContext; stdout: string[] } {
  const stdout: string[] = [];
  const io = {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: () => true },
    stdin: {},
    env: {},
  } as never;
  const context = new CommandContext(io, { json }, { exitCode: ExitCode.Ok });
  jest.spyOn(context, 'api').mockImplementation(api);
  return { context, stdout };
}

describe('an action that calls the API', () => {
  it("hands the action the command's context, a client, its arguments and its options", async () => {
    const client = new WardenApi('http://warden.test', 'wdn_key');
    const { context } = contextWith(async () => client);
    const command = new Command('rename');
    const contextOf = jest.fn(() => context);
    const run = jest.fn(async () => undefined);
    await withApi<[string, string], { quiet: boolean }>(contextOf, run)(
      'team-1',
      'Platform',
      { quiet: true },
      command,
    );
    expect(contextOf).toHaveBeenCalledWith(command);
    expect(run).toHaveBeenCalledWith({ context, api: client }, 'team-1', 'Platform', { quiet: true });
  });

  it('runs nothing for a caller without a credential', async () => {
    const { context } = contextWith(async () => {
      throw new CliError('not logged in', ExitCode.Auth);
    });
    const run = jest.fn(async () => undefined);
    await expect(withApi(() => context, run)({}, new Command('list'))).rejects.toMatchObject({
      exitCode: ExitCode.Auth,
    });
    expect(run).not.toHaveBeenCalled();
  });
});

describe('the answer to a deletion', () => {
  it('is a line for people', () => {
    const { context, stdout } = contextWith(async () => new WardenApi('http://warden.test'));
    printDeleted(context, 'team', 'team-1');
    expect(stdout.join('')).toBe('deleted team team-1\n');
  });

  it('is { deleted, id } with --json', () => {
    const { context, stdout } = contextWith(async () => new WardenApi('http://warden.test'), true);
    printDeleted(context, 'account', 'user-1');
    expect(JSON.parse(stdout.join(''))).toEqual({ deleted: true, id: 'user-1' });
  });
});

describe('a command whose answer is one thing', () => {
  const team = { id: 'team-1', name: 'Platform' };
  const teamFields = (value: typeof team): [string, string][] => [
    ['id', value.id],
    ['name', value.name],
  ];

  it('prints its fields for people, from what the call answered with the arguments and options', async () => {
    const client = new WardenApi('http://warden.test', 'wdn_key');
    const { context, stdout } = contextWith(async () => client);
    const call = jest.fn(async (_api: WardenApi, id: string, name: string) => ({ id, name }));
    await answersWith(() => context, teamFields, call)('team-1', 'Platform', {}, new Command('rename'));
    expect(call).toHaveBeenCalledWith(client, 'team-1', 'Platform', {});
    expect(stdout.join('')).toBe('id:   team-1\nname: Platform\n');
  });

  it('prints the thing itself with --json', async () => {
    const { context, stdout } = contextWith(async () => new WardenApi('http://warden.test'), true);
    await answersWith(
      () => context,
      teamFields,
      async () => team,
    )({}, new Command('show'));
    expect(JSON.parse(stdout.join(''))).toEqual(team);
  });
});
