import { Command, Option } from 'commander';
import { pipeline } from 'node:stream/promises';
import { ExitCode } from '../exit-codes';
import { renderFields } from '../output';
import type { ContextOf } from './login.command';
import { withApi } from './with-api';

interface ExportOptions {
  organization?: string;
  actor?: string;
  subject?: string;
  eventType?: string;
  correlationId?: string;
  from?: string;
  to?: string;
  order?: 'oldest' | 'newest';
}

export function registerAuditCommands(program: Command, contextOf: ContextOf): void {
  const audit = program.command('audit').description('the audit log');

  audit
    .command('export')
    .description('the audit log as NDJSON on stdout, one record per line, streamed')
    .option('--organization <id>', 'another organization (the platform admin only)')
    .option('--actor <id>', 'only what this user or service account did')
    .option('--subject <id>', 'only records about this user, token or session')
    .option('--event-type <type>', 'only this event type, e.g. TokenRevoked')
    .option('--correlation-id <id>', 'only what one request caused')
    .option('--from <iso-8601>', 'recorded at or after')
    .option('--to <iso-8601>', 'recorded before')
    .addOption(new Option('--order <order>', 'oldest or newest first').choices(['oldest', 'newest']))
    .action(
      withApi<[], ExportOptions>(contextOf, async ({ context, api }, options) => {
        const query = {
          organization_id: options.organization,
          actor_id: options.actor,
          subject_id: options.subject,
          event_type: options.eventType,
          correlation_id: options.correlationId,
          from: options.from,
          to: options.to,
          order: options.order,
        };
        const records = await api.stream(
          api.client.GET('/api/v1/audit/export', { params: { query }, parseAs: 'stream' }),
        );
        try {
          await pipeline(records, context.io.stdout, { end: false });
        } catch (error) {
          // `warden audit export | head` closes the pipe early: that is the reader's choice, not a failure
          if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        }
      }),
    );

  audit
    .command('verify')
    .description('walk the hash chain of the audit log; exits 8 when it is broken')
    .option('--organization <id>', 'another organization, `platform` or `all` (the platform admin only)')
    .action(
      withApi<[], { organization?: string }>(contextOf, async ({ context, api }, options) => {
        const result = await api.answer(
          api.client.GET('/api/v1/audit/verify', {
            params: { query: { organization_id: options.organization } },
          }),
        );
        context.print(
          () =>
            result.intact
              ? `intact: ${result.records} records in ${result.chains} chain${result.chains === 1 ? '' : 's'}\n`
              : `BROKEN\n${renderFields([
                  ['chain', result.first_broken.chain],
                  ['at sequence', result.first_broken.sequence],
                  ['event', result.first_broken.event_id],
                  ['reason', result.first_broken.reason],
                  ['records', result.records],
                ])}`,
          result,
        );
        if (!result.intact) context.exitWith(ExitCode.AuditChainBroken);
      }),
    );
}
