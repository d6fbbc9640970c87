// An optional adapter for production users who run KurrentDB (EventStoreDB). Not run
// by default: no KurrentDB server can run on our machines. Its contract suite runs when
// KURRENTDB_CONNECTION_STRING is set.
//
// Each service keeps its streams under a prefix of its own (`streamPrefix`), so services
// sharing one database each read only their own events from $all.
//
// KurrentDB decides an event's place in $all when it commits (one writer appends to one
// log), so there is no slow-transaction window to guard: a reader resuming from a
// position cannot miss an event that commits later with an earlier position.
import {
  AllStreamResolvedEvent,
  AppendConsistencyViolationError,
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  KurrentDBClient,
  ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as KurrentWrongExpectedVersionError,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  AppendRequest,
  AppendResult,
  AppendWaiters,
  EventStore,
  ExpectedVersion,
  JsonObject,
  LogPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  WrongExpectedVersionError,
  validateAppendRequests,
} from '@warden/event-store';
import {
  assertStreamPrefix,
  decodeMetadata,
  decodeSchemaVersion,
  encodeMetadata,
  formatKurrentPosition,
  parseKurrentPosition,
  scopedStreamName,
  streamIdInScope,
  toStreamState,
  versionOf,
} from './kurrentdb-mapping';

type AllStreamSubscription = ReturnType<KurrentDBClient['subscribeToAll']>;

const RESUBSCRIBE_MS = 1_000;

export interface KurrentDbEventStoreOptions {
  /** Prefix of every stream this store writes and reads (`tokens:`); default none: the whole database. */
  streamPrefix?: string;
}

export class KurrentDbEventStore implements EventStore {
  /** The prefix of this store's streams ('' for the whole database). */
  readonly streamPrefix: string;
  private readonly waiters = new AppendWaiters();
  private subscription: AllStreamSubscription | undefined;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly client: KurrentDBClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.streamPrefix = options.streamPrefix ?? '';
    assertStreamPrefix(this.streamPrefix);
  }

  static connect(connectionString: string, options: KurrentDbEventStoreOptions = {}): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
    validateAppendRequests([request]);
    try {
      const result = await this.client.appendToStream(
        this.nameOf(request.streamId),
        request.events.map(toEventData),
        {
          streamState: toStreamState(request.expectedVersion),
        },
      );
      const version = versionOf(result.nextExpectedRevision);
      const position = result.position
        ? formatKurrentPosition(result.position)
        : await this.positionOf(request.streamId, version);
      return { streamId: request.streamId, version, position };
    } catch (error) {
      throw this.translate(error, new Map([[request.streamId, request.expectedVersion]]));
    }
  }

  // KurrentDB 25.1+ commits a multi-stream append atomically (client 1.3's
  // multiStreamAppend); it answers with one commit position for the whole write, so
  // each stream's last event is read back for its exact position.
  async appendMany(requests: AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen();
    validateAppendRequests(requests);
    const expected = new Map(requests.map((r) => [r.streamId, r.expectedVersion]));
    let responses: { streamName: string; revision: bigint }[];
    try {
      ({ responses } = await this.client.multiStreamAppend(
        requests.map((request) => ({
          streamName: this.nameOf(request.streamId),
          events: request.events.map(toEventData),
          expectedState: toStreamState(request.expectedVersion),
        })),
      ));
    } catch (error) {
      throw this.translate(error, expected);
    }
    return Promise.all(
      requests.map(async (request, i) => {
        const response =
          responses.find((r) => r.streamName === this.nameOf(request.streamId)) ?? responses[i]!;
        const version = versionOf(response.revision);
        return {
          streamId: request.streamId,
          version,
          position: await this.positionOf(request.streamId, version),
        };
      }),
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromVersion ?? 1;
    const until = options.recordedUntil?.getTime();
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.nameOf(streamId), {
        direction: FORWARDS,
        fromRevision: from > 1 ? BigInt(from - 1) : START,
      })) {
        const event = this.recordedEventOf(resolved);
        if (!event) continue;
        if (until !== undefined && Date.parse(event.recordedAt) > until) break;
        events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertLimit(options.limit);
    const events: RecordedEvent[] = [];
    for await (const event of this.readForward(options.after, options.limit)) events.push(event);
    return events;
  }

  // Nothing is held back here ($all order is decided at commit), so this counts what
  // readAll would return: the same read, up to `limit`, system events filtered out.
  async countAfter(after: LogPosition | undefined, limit: number): Promise<number> {
    this.assertOpen();
    assertLimit(limit);
    let count = 0;
    for await (const _event of this.readForward(after, limit)) count += 1;
    return count;
  }

  // The user events of $all after `after`, at most `limit` of them.
  private async *readForward(after: LogPosition | undefined, limit: number): AsyncGenerator<RecordedEvent> {
    // fromPosition is inclusive: read one more and drop the event at `after`.
    let given = 0;
    for await (const resolved of this.client.readAll({
      direction: FORWARDS,
      fromPosition: after === undefined ? START : parseKurrentPosition(after),
      maxCount: limit + 1,
      filter: this.allStreamFilter(),
    })) {
      const event = this.recordedEventOf(resolved);
      if (!event || (after !== undefined && event.position <= after)) continue;
      yield event;
      if (++given === limit) return;
    }
  }

  /** Reads the last event of the database (any scope): answers while the server does, whatever this scope holds. */
  async ping(): Promise<void> {
    this.assertOpen();
    for await (const _event of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }))
      break;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.subscribe();
    return this.waiters.wait(timeoutMs, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.resubscribeTimer);
    this.waiters.wakeAll();
    await this.subscription?.unsubscribe().catch(() => undefined);
    await this.client.dispose();
  }

  // A live subscription to the end of $all, only to wake sleepers.
  private subscribe(): void {
    if (this.subscription || this.resubscribeTimer || this.closed) return;
    const subscription = this.client.subscribeToAll({ fromPosition: END, filter: this.allStreamFilter() });
    this.subscription = subscription;
    subscription.on('data', () => this.waiters.wakeAll());
    subscription.on('error', () => {
      this.subscription = undefined;
      subscription.unsubscribe().catch(() => undefined);
      if (this.closed) return;
      // appends may have been missed while the subscription was down
      this.waiters.wakeAll();
      this.resubscribeTimer = setTimeout(() => {
        this.resubscribeTimer = undefined;
        if (this.waiters.size > 0) this.subscribe();
      }, RESUBSCRIBE_MS);
    });
  }

  private async positionOf(streamId: string, version: number): Promise<string> {
    for await (const resolved of this.client.readStream(this.nameOf(streamId), {
      direction: BACKWARDS,
      fromRevision: BigInt(version - 1),
      maxCount: 1,
    })) {
      const position = resolved.event?.position;
      if (position) return formatKurrentPosition(position);
    }
    throw new Error(`the server did not report the position of ${streamId} version ${version}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }

  private nameOf(streamId: string): string {
    return scopedStreamName(this.streamPrefix, streamId);
  }

  // Only this store's streams: its prefix (which no system stream has), or every user stream.
  private allStreamFilter() {
    return this.streamPrefix === ''
      ? excludeSystemEvents()
      : streamNameFilter({ prefixes: [this.streamPrefix] });
  }

  private recordedEventOf(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
    const event = toRecordedEvent(resolved);
    if (!event) return undefined;
    const streamId = streamIdInScope(this.streamPrefix, event.streamId);
    return streamId === undefined ? undefined : { ...event, streamId };
  }

  private translate(error: unknown, expected: Map<string, ExpectedVersion>): unknown {
    return translate(
      error,
      expected,
      (streamName) => streamIdInScope(this.streamPrefix, streamName) ?? streamName,
    );
  }
}

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid limit ${limit}`);
}

function toEventData(event: AppendRequest['events'][number]) {
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: encodeMetadata(event.metadata, event.schemaVersion),
  });
}

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || !event.isJson || event.streamId.startsWith('$') || event.type.startsWith('$'))
    return undefined;
  if (!event.position) throw new Error('KurrentDB did not report event positions (server older than 22.6)');
  return {
    id: event.id,
    type: event.type,
    schemaVersion: decodeSchemaVersion(event.metadata),
    data: event.data as JsonObject,
    metadata: decodeMetadata(event.metadata),
    streamId: event.streamId,
    version: Number(event.revision) + 1,
    position: formatKurrentPosition(event.position),
    recordedAt: event.created.toISOString(),
  };
}

function translate(
  error: unknown,
  expected: Map<string, ExpectedVersion>,
  streamIdOf: (streamName: string) => string,
): unknown {
  if (
    error instanceof KurrentWrongExpectedVersionError ||
    (error instanceof Error && isCommandError(error) && error.type === ErrorType.WRONG_EXPECTED_VERSION)
  ) {
    const conflict = error as KurrentWrongExpectedVersionError;
    const streamId = streamIdOf(conflict.streamName);
    return new WrongExpectedVersionError(
      streamId,
      expected.get(streamId) ?? 'any',
      versionOf(conflict.actualState),
    );
  }
  if (error instanceof AppendConsistencyViolationError && error.violations.length > 0) {
    const [violation] = error.violations;
    const streamId = streamIdOf(violation!.streamName);
    return new WrongExpectedVersionError(
      streamId,
      expected.get(streamId) ?? 'any',
      versionOf(violation!.actualState),
    );
  }
  return error;
}
