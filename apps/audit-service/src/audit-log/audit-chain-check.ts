import { AuditChainVerification } from '@warden/contracts';
import { WardenLogger, ownMetric } from '@warden/platform';
import { Gauge } from 'prom-client';

// The audit log's hash chains walked in the background, as GET /audit/verify walks them, so
// that a broken chain raises an alert (ops/prometheus/alerts.yml) instead of waiting for an
// auditor to ask. Every instance walks on its own: the walk only reads.

const chainMetrics = ownMetric(() => ({
  broken: new Gauge({
    name: 'warden_audit_chain_broken',
    help: 'Whether the last walk of the audit log found a chain broken (1) or every chain intact (0)',
  }),
  records: new Gauge({
    name: 'warden_audit_chain_records_checked',
    help: 'Audit records the last walk of every chain checked',
  }),
  checkedAt: new Gauge({
    name: 'warden_audit_chain_last_check_timestamp_seconds',
    help: 'When the last walk of every chain finished (Unix time); 0 before the first',
  }),
}));

/** Every 5 minutes: a full walk reads the whole log, so it is not done more often. */
export const AUDIT_CHAIN_CHECK_INTERVAL_MS = 5 * 60_000;

export class AuditChainCheck {
  private timer: NodeJS.Timeout | undefined;
  private walking: Promise<void> | undefined;

  constructor(
    private readonly verify: () => Promise<AuditChainVerification>,
    private readonly logger: WardenLogger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    chainMetrics();
  }

  /** Walks now, then every `intervalMs`. */
  start(intervalMs = AUDIT_CHAIN_CHECK_INTERVAL_MS): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.walking;
  }

  /** One walk (or the one under way), its outcome in the metrics. */
  check(): Promise<void> {
    this.walking ??= this.walk().finally(() => {
      this.walking = undefined;
    });
    return this.walking;
  }

  private async walk(): Promise<void> {
    const metrics = chainMetrics();
    try {
      const result = await this.verify();
      metrics.broken.set(result.intact ? 0 : 1);
      metrics.records.set(result.records);
      metrics.checkedAt.set(this.clock().getTime() / 1000);
      if (!result.intact) this.logger.error({ firstBroken: result.first_broken }, 'audit chain broken');
    } catch (error) {
      // No walk, no new timestamp: the alert on a stale check fires if this goes on.
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not walk the audit chains');
    }
  }
}
