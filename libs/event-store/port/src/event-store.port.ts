// The one port every event store adapter implements. The store is the source of
// truth; everything else in Warden is rebuilt from it.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who did it and in which request: carried from the gateway into every event. */
export interface EventMetadata {
  correlationId: string;
  causationId?: string;
  actorId?: string;
  actorType?: string;
  organizationId?: string;
  clientAddress?: string;
  userAgent?: string;
  /** The credential the actor acted through (`session` or `api_token`) and its id. */
  credentialKind?: string;
  credentialId?: string;
  [key: string]: JsonValue | undefined;
}

export interface NewEvent {
  /** A UUID, unique in the store, chosen by the writer (so a retried append can be recognised downstream). */
  id: string;
  type: string;
  /**
   * Which version of its type's shape `data` has (1 when left out): readers bring an older
   * one up to date through its context's upcasters (see the kernel's event-upcasters).
   */
  schemaVersion?: number;
  data: JsonObject;
  metadata: EventMetadata;
}

/**
 * A position in the global log. Adapters encode it so that plain string comparison
 * orders positions as the log does: a reader resumes with `after: lastPosition`.
 */
export type LogPosition = string;

export interface RecordedEvent extends NewEvent {
  /** As written; 1 for every event stored before events had versions. */
  schemaVersion: number;
  streamId: string;
  /** 1 for a stream's first event. */
  version: number;
  position: LogPosition;
  /** ISO-8601, set by the store at commit. */
  recordedAt: string;
}

/** `no_stream`: the stream must not exist; a number: the stream's current version must equal it (0 = no stream). */
export type ExpectedVersion = 'any' | 'no_stream' | number;

export interface AppendRequest {
  streamId: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after the append: pass it as the next expected version. */
  version: number;
  /** Position of the last event appended. */
  position: LogPosition;
}

export interface ReadStreamOptions {
  /** First version to return (inclusive); default 1. */
  fromVersion?: number;
  /** Only events recorded at or before this instant (for "as of" queries). */
  recordedUntil?: Date;
}

export interface ReadAllOptions {
  /** Exclusive; omitted = from the start of the log. */
  after?: LogPosition;
  limit: number;
}

export interface EventStore {
  /** Appends atomically to one stream, checking its expected version. Throws WrongExpectedVersionError. */
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Appends to several streams in one atomic commit: either every stream's expected
   * version holds and all events are written, or nothing is (WrongExpectedVersionError).
   */
  appendMany(requests: AppendRequest[]): Promise<AppendResult[]>;
  /** The stream's events in version order; an unknown stream reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * A page of the committed global log in order, after `after`. Never returns an event
   * while an earlier-ordered one may still commit, so a reader that resumes from the last
   * position it saw skips nothing.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * How many committed events follow `after` in the global log (from the start when
   * omitted), counted up to `limit`: including those `readAll` still holds back behind an
   * older transaction that is open, excluding appends not yet committed.
   *
   * An empty `readAll` page means "nothing readable yet", not "nothing there"; this says
   * whether something is there. A reader that has read up to `after` has every committed
   * event it was not given counted here: any such event is ordered after `after`. While a
   * transaction is open, `readAll` returns nothing ordered at or past it (that is what
   * holding back means), so its events, and every event held back behind it, land after
   * whatever `readAll` returned meanwhile. 0 after the last position read means the
   * reader has seen everything committed when the count was taken.
   */
  countAfter(after: LogPosition | undefined, limit: number): Promise<number>;
  /**
   * Resolves when events may have been appended after the call, or after `timeoutMs`,
   * or when `signal` aborts: lets a tailer sleep instead of polling hard.
   */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | undefined,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual ?? 'unknown'}`);
  }
}
