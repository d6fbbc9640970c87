import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { type Cell, renderFields } from '../output';
import type { WardenApi } from '../warden-api';
import type { ContextOf } from './login.command';

/** What an action that calls the API works with: the command's context and a client with the caller's credential. */
export interface ApiCall {
  context: CommandContext;
  api: WardenApi;
}

/**
 * A command's action that calls the API. Commander calls an action with the command's
 * arguments, then its options, then the command itself; `run` gets the context and a client
 * ready (a caller who is not logged in stops here), then the arguments and the options.
 */
export function withApi<Args extends string[] = [], Options = unknown>(
  contextOf: ContextOf,
  run: (call: ApiCall, ...argumentsAndOptions: [...Args, Options]) => Promise<void>,
): (...received: unknown[]) => Promise<void> {
  return async (...received: unknown[]) => {
    const context = contextOf(received[received.length - 1] as Command);
    const api = await context.api();
    await run({ context, api }, ...(received.slice(0, -1) as [...Args, Options]));
  };
}

/** The answer to a deletion: a line for people, `{ deleted: true, id }` with --json. */
export function printDeleted(context: CommandContext, what: string, id: string): void {
  context.print(() => `deleted ${what} ${id}\n`, { deleted: true, id });
}

/**
 * A command whose answer is one thing as the API now has it (an account, a team, a token):
 * printed as its `fields`, or the thing itself with --json. `call` gets the client, then the
 * command's arguments and options.
 */
export function answersWith<Value, Received extends unknown[]>(
  contextOf: ContextOf,
  fields: (value: Value) => [string, Cell][],
  call: (api: WardenApi, ...argumentsAndOptions: Received) => Promise<Value>,
): (...received: unknown[]) => Promise<void> {
  return withApi(contextOf, async ({ context, api }, ...received: unknown[]) => {
    const value = await call(api, ...(received as Received));
    context.print(() => renderFields(fields(value)), value);
  });
}
