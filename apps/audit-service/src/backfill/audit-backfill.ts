import { AuditBackfillReport } from '@warden/contracts';
import { MessagingLog, describeError } from '@warden/messaging';
import { ownMetric } from '@warden/platform';
import { Counter } from 'prom-client';
import { auditRecordOf } from '../audit-log/audit-record';
import { AuditRecordRepository } from '../audit-log/audit-record.repository';
import { SourceEventStores } from './source-event-stores';

/**
 * How often every instance backfills in the background, and how old an event must be before
 * that pass looks for it: younger ones are the JetStream consumer's to record (it does so
 * within milliseconds), so in the steady state a pass only reads the new part of each log
 * and finds every event recorded already.
 */
export const AUDIT_BACKFILL_INTERVAL_MS = 10_000;
export const AUDIT_BACKFILL_SETTLE_MS = 5_000;

const backfillMetrics = ownMetric(() => ({
  recorded: new Counter({
    name: 'warden_audit_backfill_recorded_total',
    help: 'Events the backfill recorded from an event store because the audit log lacked them (JetStream did not deliver them in time), by service',
    labelNames: ['service'] as const,
  }),
}));

export interface AuditBackfillOptions {
  records: AuditRecordRepository;
  sources: SourceEventStores;
  log: MessagingLog;
  /** Events read per page of a store's global log. */
  pageSize?: number;
  /** Milliseconds since the epoch; a test moves it. */
  now?: () => number;
}

interface Pass {
  settleMs: number;
  report: Promise<AuditBackfillReport>;
}

/**
 * Records what the audit log is missing straight from the services' event stores, for
 * events JetStream no longer holds or never delivered (past its retention, never relayed, or
 * lost by a cluster in a leader change). Each store's global log is read from a checkpoint
 * kept in the audit schema, saved after every page; recording is idempotent by event id, so
 * overlapping with the JetStream consumer or with another instance's backfill changes
 * nothing. It runs when the service starts, on demand (`audit.backfill.run`), and every
 * AUDIT_BACKFILL_INTERVAL_MS over the events older than AUDIT_BACKFILL_SETTLE_MS: whatever
 * JetStream loses, the audit log has it within those two bounds.
 */
export class AuditBackfill {
  private running: Pass | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: AuditBackfillOptions) {
    this.now = options.now ?? Date.now;
    backfillMetrics();
  }

  /**
   * One pass over every source up to its current end, leaving the events committed less
   * than `settleMs` ago (and every one after them) to the next pass. A call during a pass
   * joins it, unless that pass leaves more recent events than this call asks for.
   */
  async run(settleMs = 0): Promise<AuditBackfillReport> {
    for (let current = this.running; current; current = this.running) {
      if (current.settleMs <= settleMs) return current.report;
      await current.report.catch(() => undefined);
    }
    const pass: Pass = {
      settleMs,
      report: this.pass(settleMs).finally(() => {
        if (this.running === pass) this.running = undefined;
      }),
    };
    this.running = pass;
    return pass.report;
  }

  /** A pass now, then one every `intervalMs` over the events older than `settleMs`. */
  start(intervalMs = AUDIT_BACKFILL_INTERVAL_MS, settleMs = AUDIT_BACKFILL_SETTLE_MS): void {
    void this.runQuietly(0);
    this.timer = setInterval(() => void this.runQuietly(settleMs), intervalMs);
    this.timer.unref();
  }

  /** Lets the page in hand finish, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.report.catch(() => undefined);
  }

  // In the background: a failed pass is logged, and the next one starts from the checkpoint.
  private async runQuietly(settleMs: number): Promise<void> {
    try {
      await this.run(settleMs);
    } catch (error) {
      this.options.log('error', 'audit backfill failed', { error: describeError(error) });
    }
  }

  private async pass(settleMs: number): Promise<AuditBackfillReport> {
    const report: AuditBackfillReport = { sources: [] };
    for (const service of this.options.sources.services()) {
      if (this.stopped) break;
      report.sources.push(await this.backfill(service, settleMs));
    }
    return report;
  }

  private async backfill(service: string, settleMs: number): Promise<AuditBackfillReport['sources'][number]> {
    const { records, log } = this.options;
    const pageSize = this.options.pageSize ?? 500;
    let checkpoint = (await records.backfillCheckpoint(service)) ?? null;
    let read = 0;
    let recorded = 0;
    const store = await this.options.sources.open(service);
    if (!store) return { service, read, recorded, checkpoint };
    const settledBefore = this.now() - settleMs;
    let settled = true;
    while (!this.stopped && settled) {
      const page = await store.readAll({ after: checkpoint ?? undefined, limit: pageSize });
      // In log order up to the first event too recent: the next pass starts there.
      const unsettled = settleMs > 0 ? page.findIndex((event) => Date.parse(event.recordedAt) > settledBefore) : -1;
      settled = unsettled < 0;
      const events = settled ? page : page.slice(0, unsettled);
      if (events.length === 0) break;
      const unrecorded = await records.unrecorded(events.map((event) => event.id));
      for (const event of events) {
        if (unrecorded.has(event.id) && (await records.record(auditRecordOf({ ...event, service })))) recorded += 1;
      }
      read += events.length;
      checkpoint = events[events.length - 1]!.position;
      await records.saveBackfillCheckpoint(service, checkpoint);
    }
    if (recorded > 0) {
      backfillMetrics().recorded.inc({ service }, recorded);
      log('warn', 'audit backfill recorded events missing from the audit log', { service, read, recorded });
    }
    return { service, read, recorded, checkpoint };
  }
}
