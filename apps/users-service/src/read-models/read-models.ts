// The users service's read models, kept current two ways: a tailer follows the committed
// log in-process (catching up whatever any instance appended), and every command brings
// them up to its own append before it answers. The principal records must be current
// before a deactivation or a role change is acknowledged; the listing is made current so
// that the caller reads its own writes.
import { HealthCheck } from '@warden/platform';
import { AppendResult, AppendWaiters, EventStore, RecordedEvent, tailAll } from '@warden/event-store';
import { MessagingLog, RedisProjectionRunner, WrittenInvalidation, backoffDelay } from '@warden/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListingProjection } from './listing.projection';
import { principalInvalidations } from './principal-record.projection';
import type { CacheInvalidations } from '@warden/token-verifier';

export interface ReadModelsOptions {
  store: EventStore;
  principals: RedisProjectionRunner;
  listing: ListingProjection;
  log: MessagingLog;
  /** Longest a command waits for the listing to show its write before answering anyway. */
  readYourWritesTimeoutMs?: number;
  /** How often to check that Redis still holds the principal records. */
  watchdogIntervalMs?: number;
  /** A change to a principal record answers once no verifier's cache serves the record before it. */
  invalidations?: CacheInvalidations;
}

const TAIL_BATCH_SIZE = 200;

export class ReadModels {
  private listingPosition: string | undefined;
  private readonly caughtUp = new AppendWaiters();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReadModelsOptions) {}

  get principals(): RedisProjectionRunner {
    return this.options.principals;
  }

  /** Rebuilds the principal records if Redis lost them, then follows the log. */
  async start(): Promise<void> {
    await this.options.listing.migrate();
    this.listingPosition = await this.options.listing.checkpoint();
    await this.ensurePrincipals();
    this.running = this.follow();
    this.watchdog = setInterval(() => void this.ensurePrincipals().catch(() => undefined), this.options.watchdogIntervalMs ?? 5000);
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    this.abort.abort();
    this.caughtUp.wakeAll();
    await this.running;
  }

  /**
   * Brings the read models up to a command's appends: the principal record of every user
   * stream it touched at once, then waits for the listing to pass the last position.
   */
  async settle(appended: readonly AppendResult[]): Promise<void> {
    // Users' principal records, and an organization's token policy (a settings change).
    const users = appended.filter((result) => result.streamId.startsWith('user-') || result.streamId.startsWith('organization-'));
    const subjects: string[] = [];
    // The applies run one after another, so each invalidation one writes follows those written
    // before it, and a holder that applied the last has applied them all (the log is applied in
    // order): that one is waited for, rather than one more published, when every apply with
    // something to invalidate wrote its own, in one epoch.
    let written: WrittenInvalidation | undefined;
    let everyOneWritten = true;
    for (const result of users) {
      const [event] = await this.options.store.readStream(result.streamId, { fromVersion: result.version });
      if (!event) continue;
      const { invalidation } = await this.options.principals.handleWritingInvalidation(event);
      const named = principalInvalidations(event);
      if (named.length === 0) continue;
      subjects.push(...named);
      if (invalidation === undefined || (written !== undefined && written.epoch !== invalidation.epoch)) everyOneWritten = false;
      written = invalidation ?? written;
    }
    if (subjects.length > 0) await this.options.invalidations?.invalidate(subjects, everyOneWritten ? written : undefined);
    const last = appended.map((result) => result.position).sort().at(-1);
    if (last) await this.waitForListing(last);
  }

  async waitForListing(position: string): Promise<void> {
    const deadline = Date.now() + (this.options.readYourWritesTimeoutMs ?? 5000);
    while ((this.listingPosition ?? '') < position && Date.now() < deadline && !this.abort.signal.aborted) {
      await this.caughtUp.wait(Math.max(1, deadline - Date.now()));
    }
  }

  healthChecks(): HealthCheck[] {
    const principals = this.options.principals;
    return [
      {
        name: 'principal-records',
        check: async () => {
          if (principals.status().rebuilding) return { status: 'degraded', detail: 'rebuilding from the event store' };
          if (!(await principals.isReady())) {
            void this.ensurePrincipals().catch(() => undefined);
            return { status: 'degraded', detail: 'lost from Redis; rebuilding from the event store' };
          }
          return { status: 'up', detail: 'ready' };
        },
      },
      {
        name: 'listing',
        check: async () => ({ status: 'up', detail: `at ${this.listingPosition ?? 'the start of the log'}` }),
      },
    ];
  }

  private async ensurePrincipals(): Promise<void> {
    if (await this.options.principals.isReady()) return;
    this.options.log('warn', 'principal records missing from Redis; rebuilding', {});
    await this.options.principals.rebuild();
  }

  private async follow(): Promise<void> {
    const { signal } = this.abort;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await tailAll(
          this.options.store,
          { after: this.listingPosition, batchSize: TAIL_BATCH_SIZE, signal, idleWaitMs: 1000 },
          (events) => this.applyBatch(events),
        );
      } catch (error) {
        this.options.log('error', 'read model tailer failed; retrying', { err: error instanceof Error ? error.message : String(error) });
        await sleep(backoffDelay(attempt, { initialMs: 100, maxMs: 5000 }), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async applyBatch(events: RecordedEvent[]): Promise<void> {
    // The principal records first: they are idempotent, so redoing them after a failed
    // listing commit is harmless, and they never fall behind the listing's checkpoint.
    const lastOfEachUser = new Map<string, RecordedEvent>();
    for (const event of events) {
      if (event.streamId.startsWith('user-') || event.streamId.startsWith('organization-')) lastOfEachUser.set(event.streamId, event);
    }
    for (const event of lastOfEachUser.values()) await this.options.principals.handle(event);
    const position = await this.options.listing.applyBatch(events);
    if (position !== undefined && (this.listingPosition ?? '') < position) this.listingPosition = position;
    this.caughtUp.wakeAll();
  }
}
