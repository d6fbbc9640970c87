// The event store for unit tests: the same semantics as the PostgreSQL adapter, held to
// the same contract suite, in one process's memory.
import { AppendWaiters } from './append-waiters';
import {
  AppendRequest,
  AppendResult,
  EventStore,
  ExpectedVersion,
  LogPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  WrongExpectedVersionError,
} from './event-store.port';

/**
 * An append that has taken its log positions but not committed: a slow transaction.
 * Readers of the global log stop before its positions until it commits or rolls back.
 */
export interface PendingAppend {
  commit(): Promise<AppendResult[]>;
  rollback(): Promise<void>;
}

/** Adapters that can hold an append open, for the contract suite's slow-transaction test. */
export interface PendingAppendSource {
  beginPendingAppend(requests: AppendRequest[]): Promise<PendingAppend>;
}

const POSITION_DIGITS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The version a stream must be at for `expected` to hold, or undefined for 'any'. */
export function requiredVersion(expected: ExpectedVersion): number | undefined {
  if (expected === 'any') return undefined;
  if (expected === 'no_stream') return 0;
  if (!Number.isSafeInteger(expected) || expected < 0)
    throw new RangeError(`invalid expected version ${String(expected)}`);
  return expected;
}

/** Throws before anything is written when a request can never be appended. */
export function validateAppendRequests(requests: AppendRequest[]): void {
  if (requests.length === 0) throw new RangeError('append needs at least one stream');
  const ids = new Set<string>();
  for (const request of requests) {
    if (!request.streamId) throw new RangeError('append needs a stream id');
    if (request.events.length === 0)
      throw new RangeError(`append to ${request.streamId} needs at least one event`);
    requiredVersion(request.expectedVersion);
    for (const event of request.events) {
      if (!isUuid(event.id)) throw new RangeError(`event id ${event.id} is not a UUID`);
      if (ids.has(event.id.toLowerCase()))
        throw new RangeError(`event id ${event.id} appears twice in one append`);
      ids.add(event.id.toLowerCase());
      if (event.schemaVersion !== undefined && !(Number.isSafeInteger(event.schemaVersion) && event.schemaVersion >= 1))
        throw new RangeError(`event ${event.id}: schema version ${String(event.schemaVersion)} is not an integer >= 1`);
    }
  }
}

export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventId: string) {
    super(`an event with id ${eventId} is already stored`);
  }
}

interface Reservation {
  sequence: number;
  events: RecordedEvent[];
  results: AppendResult[];
}

export class InMemoryEventStore implements EventStore, PendingAppendSource {
  // Committed events in log order.
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly eventIds = new Set<string>();
  private readonly reservations = new Set<Reservation>();
  // A stream with a pending append is locked until it ends, as a row lock would hold it.
  private readonly streamLocks = new Map<string, Promise<void>>();
  private readonly waiters = new AppendWaiters();
  private nextSequence = 1;
  private closed = false;

  async append(request: AppendRequest): Promise<AppendResult> {
    const [result] = await this.appendMany([request]);
    return result!;
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendResult[]> {
    return this.whenStreamsFree(requests, () => this.commitReservation(this.reserve(requests)));
  }

  async beginPendingAppend(requests: AppendRequest[]): Promise<PendingAppend> {
    const reservation = await this.whenStreamsFree(requests, () => this.reserve(requests));
    let release!: () => void;
    const lock = new Promise<void>((resolve) => (release = resolve));
    for (const request of requests) this.streamLocks.set(request.streamId, lock);
    let ended = false;
    const end = () => {
      if (ended) throw new Error('this pending append has already ended');
      ended = true;
      for (const request of requests)
        if (this.streamLocks.get(request.streamId) === lock) this.streamLocks.delete(request.streamId);
      release();
    };
    return {
      commit: async () => {
        end();
        return this.commitReservation(reservation);
      },
      rollback: async () => {
        end();
        this.reservations.delete(reservation);
        for (const event of reservation.events) this.eventIds.delete(event.id.toLowerCase());
        // readers held back by the reservation may move on now
        this.waiters.wakeAll();
      },
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromVersion ?? 1;
    const until = options.recordedUntil?.getTime();
    return (this.streams.get(streamId) ?? [])
      .filter(
        (event) => event.version >= from && (until === undefined || Date.parse(event.recordedAt) <= until),
      )
      .map(copyEvent);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(options.limit) || options.limit < 1)
      throw new RangeError(`invalid limit ${options.limit}`);
    // Nothing at or past a pending append's first position may be returned yet.
    const barrier = Math.min(...[...this.reservations].map((r) => r.sequence));
    const page: RecordedEvent[] = [];
    for (const event of this.log) {
      if (options.after !== undefined && event.position <= options.after) continue;
      if (Number(event.position) >= barrier || page.length === options.limit) break;
      page.push(copyEvent(event));
    }
    return page;
  }

  // Committed events only: a pending append is in no count until it commits. Everything
  // held back behind it is in the log already, after any position readAll has returned.
  async countAfter(after: LogPosition | undefined, limit: number): Promise<number> {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid limit ${limit}`);
    let count = 0;
    for (const event of this.log) {
      if (after !== undefined && event.position <= after) continue;
      if (++count === limit) break;
    }
    return count;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.waiters.wait(timeoutMs, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.wakeAll();
  }

  // Runs `work` in the same tick as the check that no pending append holds the streams:
  // an await between the two would let another append slip in.
  private async whenStreamsFree<T>(requests: AppendRequest[], work: () => T): Promise<T> {
    this.assertOpen();
    validateAppendRequests(requests);
    for (;;) {
      const locks = requests
        .map((r) => this.streamLocks.get(r.streamId))
        .filter((lock) => lock !== undefined);
      if (locks.length === 0) break;
      await Promise.all(locks);
    }
    this.assertOpen();
    return work();
  }

  // Checks versions and takes positions; synchronous, so nothing interleaves.
  private reserve(requests: AppendRequest[]): Reservation {
    const versions = new Map<string, number>();
    const recordedAt = new Date().toISOString();
    const sequence = this.nextSequence;
    let next = sequence;
    const events: RecordedEvent[] = [];
    const results: AppendResult[] = [];
    for (const request of requests) {
      const current = versions.get(request.streamId) ?? this.streams.get(request.streamId)?.length ?? 0;
      const required = requiredVersion(request.expectedVersion);
      if (required !== undefined && required !== current) {
        throw new WrongExpectedVersionError(request.streamId, request.expectedVersion, current);
      }
      request.events.forEach((event, index) => {
        if (this.eventIds.has(event.id.toLowerCase())) throw new DuplicateEventIdError(event.id);
        events.push(
          copyEvent({
            ...event,
            schemaVersion: event.schemaVersion ?? 1,
            streamId: request.streamId,
            version: current + index + 1,
            position: formatSequence(next++),
            recordedAt,
          }),
        );
      });
      versions.set(request.streamId, current + request.events.length);
      results.push({
        streamId: request.streamId,
        version: current + request.events.length,
        position: events[events.length - 1]!.position,
      });
    }
    this.nextSequence = next;
    for (const event of events) this.eventIds.add(event.id.toLowerCase());
    const reservation = { sequence, events, results };
    this.reservations.add(reservation);
    return reservation;
  }

  private commitReservation(reservation: Reservation): AppendResult[] {
    this.reservations.delete(reservation);
    for (const event of reservation.events) {
      const stream = this.streams.get(event.streamId) ?? [];
      stream.push(event);
      this.streams.set(event.streamId, stream);
    }
    // A pending append commits into the past of the log: keep the log sorted by position.
    const last = this.log[this.log.length - 1];
    this.log.push(...reservation.events);
    if (last && last.position > reservation.events[0]!.position) {
      this.log.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    }
    this.waiters.wakeAll();
    return reservation.results.map((result) => ({ ...result }));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

function formatSequence(sequence: number): LogPosition {
  return String(sequence).padStart(POSITION_DIGITS, '0');
}

// Callers must not be able to change what the store holds through what it returned.
function copyEvent(event: RecordedEvent): RecordedEvent {
  return structuredClone(event);
}
