import { AuditBackfillReport } from '@warden/contracts';
import { MessagingLog } from '@warden/messaging';
import { auditRecordOf } from '../audit-log/audit-record';
import { AuditRecordRepository } from '../audit-log/audit-record.repository';
import { SourceEventStores } from './source-event-stores';

export interface AuditBackfillOptions {
  records: AuditRecordRepository;
  sources: SourceEventStores;
  log: MessagingLog;
  /** Events read per page of a store's global log. */
  pageSize?: number;
}

/**
 * Records what the audit log is missing straight from the services' event stores, for
 * events JetStream no longer holds (past its retention, or never relayed). Each store's
 * global log is read from a checkpoint kept in the audit schema, saved after every page;
 * recording is idempotent by event id, so overlapping with the JetStream consumer or with
 * another instance's backfill changes nothing. It runs when the service starts and on
 * demand (`audit.backfill.run`).
 */
export class AuditBackfill {
  private running: Promise<AuditBackfillReport> | undefined;
  private stopped = false;

  constructor(private readonly options: AuditBackfillOptions) {}

  /** One pass over every source up to its current end; a call during a pass joins it. */
  run(): Promise<AuditBackfillReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Lets the page in hand finish, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<AuditBackfillReport> {
    const report: AuditBackfillReport = { sources: [] };
    for (const service of this.options.sources.services()) {
      if (this.stopped) break;
      report.sources.push(await this.backfill(service));
    }
    return report;
  }

  private async backfill(service: string): Promise<AuditBackfillReport['sources'][number]> {
    const { records, log } = this.options;
    const pageSize = this.options.pageSize ?? 500;
    let checkpoint = (await records.backfillCheckpoint(service)) ?? null;
    let read = 0;
    let recorded = 0;
    const store = await this.options.sources.open(service);
    if (!store) return { service, read, recorded, checkpoint };
    while (!this.stopped) {
      const events = await store.readAll({ after: checkpoint ?? undefined, limit: pageSize });
      if (events.length === 0) break;
      for (const event of events) {
        if (await records.record(auditRecordOf({ ...event, service }))) recorded += 1;
      }
      read += events.length;
      checkpoint = events[events.length - 1]!.position;
      await records.saveBackfillCheckpoint(service, checkpoint);
    }
    if (recorded > 0) log('info', 'audit backfill recorded events missing from the audit log', { service, read, recorded });
    return { service, read, recorded, checkpoint };
  }
}

