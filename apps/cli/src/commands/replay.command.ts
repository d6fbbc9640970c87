import type { WardenSchema } from '@warden/api-client';
import type { ReadModelName, ReplayMode } from '@warden/contracts';
import { Argument, Command, Option } from 'commander';
import { CliError } from '../cli-error';
import { ExitCode } from '../exit-codes';
import { renderFields, renderTable } from '../output';
import { renderProgress } from '../progress-bar';
import type { ContextOf } from './login.command';
import { withApi } from './with-api';

/** The contracts' READ_MODEL_NAMES, kept here so the CLI loads no decorators at run time (a spec holds them equal). */
export const REPLAYABLE_READ_MODELS: readonly ReadModelName[] = ['tokens', 'users-listing', 'audit-log'];
const POLL_INTERVAL_MS = 250;
const DIFFERENCES_SHOWN = 20;

type ReadModelReplayView = WardenSchema<'ReadModelReplayView'>;

export function registerReplayCommand(program: Command, contextOf: ContextOf): void {
  program
    .command('replay')
    .description('rebuild a read model from the event store, with a progress bar (the platform admin only)')
    .addArgument(new Argument('<read-model>', 'the read model to rebuild').choices(REPLAYABLE_READ_MODELS))
    .addOption(
      new Option(
        '--mode <mode>',
        'swap: rebuild and swap in; compare: rebuild aside and report every difference (exit 9 if any)',
      )
        .choices(['swap', 'compare'])
        .default('swap'),
    )
    .action(
      withApi<[ReadModelName], { mode: ReplayMode }>(contextOf, async ({ context, api }, name, options) => {
        const params = { path: { name } };
        const { stderr } = context.io;
        const terminal = (stderr as NodeJS.WriteStream).isTTY === true;
        let shown = '';
        // a terminal gets one line redrawn in place; a log gets a line whenever the count moves
        const draw = (run: ReadModelReplayView, last: boolean) => {
          if (context.json) return;
          const line = renderProgress(run);
          if (terminal) stderr.write(`\r${line}${last ? '\n' : ''}`);
          else if (line !== shown) stderr.write(`${line}\n`);
          shown = line;
        };

        let run = await api.answer(
          api.client.POST('/api/v1/admin/read-models/{name}/replay', {
            params,
            body: { mode: options.mode },
          }),
        );
        while (run.state === 'running') {
          draw(run, false);
          await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
          const status = await api.answer(
            api.client.GET('/api/v1/admin/read-models/{name}/replay', { params }),
          );
          if (status.replay?.replay_id !== run.replay_id) {
            throw new CliError(
              `the replay ${run.replay_id} is no longer reported: was the ${name} service restarted?`,
              ExitCode.Failure,
            );
          }
          run = status.replay;
        }
        draw(run, true);

        const differences = run.report?.differences ?? [];
        context.print(
          () =>
            renderFields([
              ['read model', run.read_model],
              ['mode', run.mode],
              ['state', run.state],
              ['events', run.events_done],
              ['events per second', Math.round(run.events_per_second)],
              ['started', run.started_at],
              ['finished', run.finished_at],
              ...(run.error ? ([['error', run.error]] as const) : []),
              ...(run.report
                ? ([
                    ['compared', run.report.compared],
                    ['differences', differences.length],
                  ] as const)
                : []),
            ]) +
            (differences.length > 0
              ? renderTable(
                  ['KEY', 'LIVE', 'REPLAYED'],
                  differences.slice(0, DIFFERENCES_SHOWN).map((d) => [d.key, d.live, d.replayed]),
                )
              : ''),
          run,
        );
        if (run.state === 'failed') context.exitWith(ExitCode.Failure);
        else if (differences.length > 0) context.exitWith(ExitCode.ReadModelDiffers);
      }),
    );
}
