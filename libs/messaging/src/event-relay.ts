// The relay: the one path by which a service's committed events reach JetStream. The
// events table is the outbox; the relay tails it in commit-safe order, publishes each
// event with `Nats-Msg-Id` = event id, waits for every PubAck of a batch and only then
// saves its checkpoint. A crash between publish and checkpoint republishes the batch,
// which JetStream deduplicates; nothing is ever skipped.
//
// One relay is active per service: it holds a PostgreSQL session advisory lock on a
// dedicated connection, and writes its checkpoint through that same connection, so a
// relay whose session (and so its lock) died cannot move the checkpoint.
//
// JetStream may lose what it acked (a NATS that lost its store directory): the relay checks
// the stream when it becomes active, every `streamCheckIntervalMs` and after a failed
// publish, and publishes again from the log whatever the stream no longer holds.
import { createHash } from 'node:crypto';
import { ErrorCode, JetStreamClient, JetStreamManager, PubAck, StreamInfo, headers as natsHeaders } from 'nats';
import { Pool, PoolClient } from 'pg';
import { ownMetric } from '@warden/platform';
import { Counter, Gauge } from 'prom-client';
import { CORRELATION_ID_HEADER } from '@warden/contracts';
import { EventStore, LogPosition, RecordedEvent } from '@warden/event-store';
import { BackoffOptions, backoffDelay, describeError, sleep } from './backoff';
import { EventsStreamOptions, ensureEventsStream } from './events-stream';
import { MessagingLog, stderrMessagingLog } from './messaging-log';
import {
  DEFAULT_EVENTS_STREAM,
  DEFAULT_EVENT_SUBJECT_PREFIX,
  EventHeaders,
  assertSubjectToken,
  encodePublishedEvent,
  eventSubject,
  serviceEventsFilter,
} from './published-event';
import { inspectEventsStream, streamRecovery } from './stream-health';

export interface EventRelayOptions {
  /** Service name as in subjects (`users`, `tokens`). */
  service: string;
  /** The service's store: the relay reads its global log. */
  store: EventStore;
  /** Pool on the service's database; the relay takes one dedicated session from it. */
  pool: Pool;
  /** The service's PostgreSQL schema: holds `relay_checkpoint`, and names the lock. */
  schema: string;
  js: JetStreamClient;
  /** Default `EVENTS`; a publish fails unless the subject lands in this stream. */
  stream?: string;
  /** Default `events`. */
  subjectPrefix?: string;
  /** How the relay creates the stream again if it is missing (replicas, duplicate window): as the service created it. */
  streamOptions?: Omit<EventsStreamOptions, 'stream' | 'subjectPrefix'>;
  /** How often the active relay checks that the stream still holds what it published; default 10 s. */
  streamCheckIntervalMs?: number;
  batchSize?: number;
  /** How long to wait for new appends before reading again (the store may wake it sooner). */
  idleWaitMs?: number;
  /** How often a standby relay tries to take the lock. */
  lockRetryMs?: number;
  publishTimeoutMs?: number;
  backoff?: BackoffOptions;
  log?: MessagingLog;
  /** Test hook: runs after a batch's PubAcks, before its checkpoint. A throw acts as a crash. */
  faults?: { afterPublishBeforeCheckpoint?: (batch: readonly RecordedEvent[]) => void | Promise<void> };
}

export type EventRelayState = 'idle' | 'standby' | 'active' | 'retrying' | 'stopped';

export interface EventRelayStatus {
  service: string;
  state: EventRelayState;
  /** Last position saved, as this instance last saw it (undefined: nothing relayed yet). */
  checkpoint?: LogPosition;
  /**
   * True when the active relay, on its last read, found nothing committed after its
   * checkpoint, held back behind an open transaction or not.
   */
  caughtUp: boolean;
  published: number;
  /** PubAcks flagged duplicate: republished events JetStream already held. */
  duplicates: number;
  /** Times the stream was found missing or behind the log, and the relay published again from the log. */
  streamRecoveries: number;
  lastError?: string;
}

export interface EventRelayLag {
  /**
   * Committed events after the saved checkpoint, counted up to `limit`: unpublished, or
   * published with the checkpoint not yet saved. Includes events the store still holds
   * back behind an older open transaction: they are committed and owed to JetStream.
   */
  pending: number;
  /** True when there were at least `limit`. */
  capped: boolean;
  /** Only when nothing is pending. */
  caughtUp: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// Header values travel on one line; anything else is left out rather than stall the relay.
const SAFE_HEADER_VALUE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

// Counting past this on every scrape would cost more than it tells: a lag this large is an alert either way.
const LAG_METRIC_CAP = 10_000;
const startedRelays = new Set<EventRelay>();

// Registered when the first relay of the process starts: a service without a relay exports neither.
const relayMetrics = ownMetric(() => ({
  lag: new Gauge({
    name: 'warden_relay_lag_events',
    help: `Committed events the relay has not yet published to JetStream (counted up to ${LAG_METRIC_CAP}), by service`,
    labelNames: ['service'] as const,
    async collect() {
      this.reset();
      const lags = await Promise.allSettled([...startedRelays].map(async (relay) => [relay.status().service, await relay.lag(LAG_METRIC_CAP)] as const));
      // A store that cannot be read leaves its series out of this scrape; the health check says why.
      for (const lag of lags) if (lag.status === 'fulfilled') this.set({ service: lag.value[0] }, lag.value[1].pending);
    },
  }),
  // By type, so that one series tells revocations (TokenRevoked) and all of them that the relay moves.
  published: new Counter({
    name: 'warden_events_published_total',
    help: 'Events the relay published to JetStream (republished duplicates not counted), by service and event type',
    labelNames: ['service', 'type'] as const,
  }),
  streamRecoveries: new Counter({
    name: 'warden_relay_stream_recoveries_total',
    help: 'Times the relay found the events stream missing or behind the log and published again from the log, by service',
    labelNames: ['service'] as const,
  }),
}));

export class EventRelay {
  private readonly service: string;
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly batchSize: number;
  private readonly idleWaitMs: number;
  private readonly lockRetryMs: number;
  private readonly publishTimeoutMs: number;
  private readonly streamCheckIntervalMs: number;
  private readonly backoff: BackoffOptions;
  private readonly log: MessagingLog;
  private readonly lockKey: string;
  private readonly table: string;

  private state: EventRelayState = 'idle';
  private checkpoint: LogPosition | undefined;
  private caughtUp = false;
  private published = 0;
  private duplicates = 0;
  private lastError: string | undefined;
  private streamRecoveries = 0;
  // The stream as last checked: its creation time, and when to check again.
  private streamCreated: string | undefined;
  private streamCheckDue = true;
  private streamFoundMissing = false;
  private nextStreamCheckAt = 0;
  // Events published again into a purged stream, up to `until`, go under ids of their own.
  private republishing: { until: LogPosition; tag: string } | undefined;
  private jsm: JetStreamManager | undefined;
  private abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: EventRelayOptions) {
    assertSubjectToken(options.service, 'service name');
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name: ${JSON.stringify(options.schema)}`);
    this.service = options.service;
    this.stream = options.stream ?? DEFAULT_EVENTS_STREAM;
    this.subjectPrefix = options.subjectPrefix ?? DEFAULT_EVENT_SUBJECT_PREFIX;
    this.batchSize = options.batchSize ?? 100;
    this.idleWaitMs = options.idleWaitMs ?? 1_000;
    this.lockRetryMs = options.lockRetryMs ?? 2_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.streamCheckIntervalMs = options.streamCheckIntervalMs ?? 10_000;
    this.backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
    this.log = options.log ?? stderrMessagingLog;
    this.lockKey = relayLockKey(options.schema, options.service);
    this.table = `"${options.schema}".relay_checkpoint`;
  }

  /** Starts relaying in the background (as the active relay or as a standby). */
  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.state = 'standby';
    relayMetrics();
    startedRelays.add(this);
    this.running = this.run().finally(() => {
      this.state = 'stopped';
    });
  }

  /** Finishes the in-flight batch (no new retries), then releases the lock. */
  async stop(): Promise<void> {
    this.abort.abort();
    startedRelays.delete(this);
    await this.running;
    this.running = undefined;
  }

  status(): EventRelayStatus {
    return {
      service: this.service,
      state: this.state,
      checkpoint: this.checkpoint,
      caughtUp: this.state === 'active' && this.caughtUp,
      published: this.published,
      duplicates: this.duplicates,
      streamRecoveries: this.streamRecoveries,
      lastError: this.lastError,
    };
  }

  /**
   * Reads the saved checkpoint and counts what follows it: works on a standby instance too.
   * Counted with `countAfter`, not `readAll`: an empty page only says nothing is readable
   * yet, while committed events may be held back behind an open transaction.
   */
  async lag(limit = 1_000): Promise<EventRelayLag> {
    const after = await this.readSavedCheckpoint();
    const pending = await this.options.store.countAfter(after, limit);
    return { pending, capped: pending >= limit, caughtUp: pending === 0 };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let session: PoolClient | undefined;
      try {
        session = await this.acquireLock(signal);
        if (!session) return;
        failures = 0;
        await this.relayWhileHoldingLock(session, signal);
      } catch (error) {
        failures += 1;
        this.state = 'retrying';
        this.lastError = describeError(error);
        this.log('warn', 'event relay failed; retrying', { service: this.service, error: this.lastError });
        // Closing the session releases the lock: another instance may take over meanwhile.
        releaseSession(session, true);
        session = undefined;
        await sleep(backoffDelay(failures, this.backoff), signal);
      } finally {
        if (session) await this.releaseLock(session);
      }
    }
  }

  /** Resolves with a session holding the lock, or undefined once stopped. */
  private async acquireLock(signal: AbortSignal): Promise<PoolClient | undefined> {
    while (!signal.aborted) {
      const session = await this.options.pool.connect();
      // A checked-out client that loses its connection emits 'error'; unhandled, it kills the process.
      session.on('error', noop);
      let locked = false;
      try {
        const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.lockKey]);
        locked = rows[0]?.locked === true;
      } catch (error) {
        releaseSession(session, true);
        throw error;
      }
      if (locked) {
        try {
          await session.query(
            `CREATE TABLE IF NOT EXISTS ${this.table} (service text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
          );
        } catch (error) {
          releaseSession(session, true);
          throw error;
        }
        return session;
      }
      releaseSession(session, true);
      if (this.state !== 'retrying') this.state = 'standby';
      await sleep(this.lockRetryMs, signal);
    }
    return undefined;
  }

  private async relayWhileHoldingLock(session: PoolClient, signal: AbortSignal): Promise<void> {
    let lost: Error | undefined;
    session.on('error', (error) => (lost = error));
    session.on('end', () => (lost ??= new Error('relay lock session ended')));

    const { rows } = await session.query<{ position: string }>(`SELECT position FROM ${this.table} WHERE service = $1`, [this.service]);
    let checkpoint: LogPosition | undefined = rows[0]?.position;
    this.checkpoint = checkpoint;
    this.state = 'active';
    this.lastError = undefined;
    this.log('info', 'event relay active', { service: this.service });
    // Whatever happened to the stream while this instance was not the active relay, it checks first.
    this.streamCreated = undefined;
    this.streamCheckDue = true;
    this.republishing = undefined;

    while (!signal.aborted) {
      if (lost) throw lost;
      if (this.streamCheckDue || Date.now() >= this.nextStreamCheckAt) checkpoint = await this.checkStream(session, checkpoint);
      const batch = await this.options.store.readAll({ after: checkpoint, limit: this.batchSize });
      if (batch.length === 0) {
        // Nothing readable; caught up only if nothing committed is held back either.
        this.caughtUp = (await this.options.store.countAfter(checkpoint, 1)) === 0;
        await this.options.store.waitForAppend(this.idleWaitMs, signal);
        continue;
      }
      this.caughtUp = false;
      if (!(await this.publishBatch(batch, signal))) return;
      await this.options.faults?.afterPublishBeforeCheckpoint?.(batch);
      const last = batch[batch.length - 1]!.position;
      // Monotonic, in byte order (positions compare as plain strings, not by collation).
      await session.query(
        `INSERT INTO ${this.table} (service, position) VALUES ($1, $2)
         ON CONFLICT (service) DO UPDATE SET position = EXCLUDED.position, updated_at = now()
         WHERE ${this.table}.position COLLATE "C" < EXCLUDED.position COLLATE "C"`,
        [this.service, last],
      );
      checkpoint = last;
      this.checkpoint = last;
      this.state = 'active';
    }
  }

  /** True when every event of the batch is acked; false when stopped before that. */
  private async publishBatch(batch: readonly RecordedEvent[], signal: AbortSignal): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        // First try pipelined; after a failure one at a time, so the unacked rest goes out in order.
        const acks: PubAck[] = [];
        if (attempt === 1) {
          const settled = await Promise.allSettled(batch.map((event) => this.publish(event)));
          for (const result of settled) {
            if (result.status === 'rejected') throw result.reason;
            acks.push(result.value);
          }
        } else {
          for (const event of batch) acks.push(await this.publish(event));
        }
        const { published } = relayMetrics();
        acks.forEach((ack, index) => {
          if (ack.duplicate) this.duplicates += 1;
          else {
            this.published += 1;
            published.inc({ service: this.service, type: batch[index]!.type });
          }
        });
        if (attempt > 1) this.log('info', 'event relay publishing again', { service: this.service });
        return true;
      } catch (error) {
        this.streamCheckDue = true;
        // Nothing answers for the stream (a NATS that lost its store): create it, so the batch can go out.
        if ((error as { code?: string }).code === ErrorCode.NoResponders) await this.createStreamIfMissing();
        this.state = 'retrying';
        this.lastError = describeError(error);
        this.log('warn', 'event relay could not publish a batch; retrying', {
          service: this.service,
          attempt,
          error: this.lastError,
        });
        if (signal.aborted) return false;
        await sleep(backoffDelay(attempt, this.backoff), signal);
        if (signal.aborted) return false;
      }
    }
  }

  /**
   * Checks that the stream holds what this relay published; if it does not, creates it again
   * when it is missing and moves the checkpoint back (saved too, so a relay that takes over
   * republishes as well). Returns the checkpoint to read on from. JetStream unreachable: the
   * check waits for the next turn.
   */
  private async checkStream(session: PoolClient, checkpoint: LogPosition | undefined): Promise<LogPosition | undefined> {
    this.nextStreamCheckAt = Date.now() + this.streamCheckIntervalMs;
    try {
      const jsm = await this.streamManager();
      const inspection = await inspectEventsStream(jsm, this.stream, serviceEventsFilter(this.subjectPrefix, this.service));
      const recovery = streamRecovery(inspection, { created: this.streamCreated, checkpoint, foundMissing: this.streamFoundMissing });
      this.streamCreated = inspection.found ? inspection.created : undefined;
      if (recovery.action === 'republish') {
        if (recovery.recreate) this.streamCreated = (await this.ensureStream(jsm)).created;
        if (recovery.after !== checkpoint) {
          this.log('warn', 'event relay publishing again from the log', { service: this.service, reason: recovery.reason, after: recovery.after ?? null });
          await this.saveCheckpointBack(session, recovery.after);
          if (recovery.newMessageIdsUntil !== undefined) this.republishing = { until: recovery.newMessageIdsUntil, tag: Date.now().toString(36) };
          checkpoint = recovery.after;
          this.checkpoint = checkpoint;
          this.streamRecoveries += 1;
          relayMetrics().streamRecoveries.inc({ service: this.service });
        }
      }
      this.streamCheckDue = false;
      this.streamFoundMissing = false;
    } catch (error) {
      this.log('warn', 'event relay could not check the events stream', { service: this.service, error: describeError(error) });
    }
    return checkpoint;
  }

  // The next check, once the batch is out, publishes the log again into the new stream.
  private async createStreamIfMissing(): Promise<void> {
    try {
      const jsm = await this.streamManager();
      if ((await inspectEventsStream(jsm, this.stream, serviceEventsFilter(this.subjectPrefix, this.service))).found) return;
      this.streamFoundMissing = true;
      await this.ensureStream(jsm);
    } catch (error) {
      this.log('warn', 'event relay could not create the events stream', { service: this.service, error: describeError(error) });
    }
  }

  private ensureStream(jsm: JetStreamManager): Promise<StreamInfo> {
    return ensureEventsStream(jsm, { ...this.options.streamOptions, stream: this.stream, subjectPrefix: this.subjectPrefix });
  }

  private async streamManager(): Promise<JetStreamManager> {
    return (this.jsm ??= await this.options.js.jetstreamManager(false));
  }

  // The one write that moves the checkpoint back; every other write only moves it forward.
  private async saveCheckpointBack(session: PoolClient, after: LogPosition | undefined): Promise<void> {
    if (after === undefined) await session.query(`DELETE FROM ${this.table} WHERE service = $1`, [this.service]);
    else await session.query(`UPDATE ${this.table} SET position = $2, updated_at = now() WHERE service = $1`, [this.service, after]);
  }

  private publish(event: RecordedEvent): Promise<PubAck> {
    const h = natsHeaders();
    const correlationId = event.metadata.correlationId;
    if (typeof correlationId === 'string' && SAFE_HEADER_VALUE.test(correlationId)) h.set(CORRELATION_ID_HEADER, correlationId);
    h.set(EventHeaders.eventType, event.type);
    if (SAFE_HEADER_VALUE.test(event.streamId)) h.set(EventHeaders.streamId, event.streamId);
    h.set(EventHeaders.version, String(event.version));
    h.set(EventHeaders.service, this.service);
    return this.options.js.publish(eventSubject(this.subjectPrefix, this.service, event.type), encodePublishedEvent(event, this.service), {
      msgID: this.messageIdOf(event),
      headers: h,
      timeout: this.publishTimeoutMs,
      expect: { streamName: this.stream },
    });
  }

  private messageIdOf(event: RecordedEvent): string {
    const again = this.republishing;
    return again && event.position <= again.until ? `${event.id}.${again.tag}` : event.id;
  }

  private async releaseLock(session: PoolClient): Promise<void> {
    try {
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [this.lockKey]);
    } catch {
      // The session is closed below either way, which releases the lock too.
    }
    releaseSession(session, true);
  }

  private async readSavedCheckpoint(): Promise<LogPosition | undefined> {
    try {
      const { rows } = await this.options.pool.query<{ position: string }>(`SELECT position FROM ${this.table} WHERE service = $1`, [
        this.service,
      ]);
      return rows[0]?.position;
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return undefined; // no table yet: nothing relayed
      throw error;
    }
  }
}

/** A stable 64-bit advisory lock key for one service's relay in one schema. */
export function relayLockKey(schema: string, service: string): string {
  return createHash('sha256').update(`warden:event-relay:${schema}:${service}`).digest().readBigInt64BE(0).toString();
}

function releaseSession(session: PoolClient | undefined, destroy: boolean): void {
  if (!session) return;
  try {
    // Destroyed, never returned to the pool: a pooled session would keep the lock.
    session.release(destroy);
  } catch {
    // already released
  }
}

function noop(): void {}
