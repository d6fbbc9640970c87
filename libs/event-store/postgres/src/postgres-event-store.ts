// The default event store: one `events` table per service schema.
//
// Streams: the primary key (stream_id, version) is what guarantees optimistic
// concurrency; the version check before the insert only gives a precise error early.
//
// The global log: ordered by (transaction_id, global_position), and a reader only sees
// rows whose transaction is older than every transaction still open. A bigserial is
// taken at insert but becomes visible at commit, so a reader resuming after the last
// sequence number it saw would skip an older, slower transaction that commits later.
// Holding back everything at or after the oldest open transaction closes that gap: no
// transaction can still commit an event ordered before one a reader has been given.
import { createHash, randomInt } from 'node:crypto';
import { DatabaseError, Pool, PoolClient } from 'pg';
import {
  AppendRequest,
  AppendResult,
  AppendWaiters,
  DuplicateEventIdError,
  EventMetadata,
  EventStore,
  JsonObject,
  LogPosition,
  PendingAppend,
  PendingAppendSource,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  WrongExpectedVersionError,
  requiredVersion,
  validateAppendRequests,
} from '@warden/event-store';
import { EventStoreLogger, PostgresAppendListener } from './postgres-append-listener';
import { appendChannel, quoteIdentifier, quoteLiteral } from './postgres-identifiers';
import { guardPoolClients } from './postgres-pool-guard';
import { LOG_START, formatLogPosition, parseLogPosition } from './postgres-log-position';
import { eventStoreMigrations, runMigrations } from './postgres-migrations';

export interface PostgresEventStoreOptions {
  /** The service's schema; created and migrated by `connect`. */
  schema: string;
  /** Either a connection string (the store then owns its pool) or a pool shared with others. */
  connectionString?: string;
  pool?: Pool;
  /** Size of the pool the store creates from `connectionString`. */
  poolSize?: number;
  logger?: EventStoreLogger;
  /**
   * While committed events are held back behind an older open transaction (possibly in
   * another schema, which sends us no NOTIFY), sleepers re-read this often.
   */
  heldBackPollMs?: number;
  /**
   * Group commits in flight at once (see `appendMany`). Appends arriving while this many
   * are committing wait and go together in the next group.
   */
  groupsInFlight?: number;
}

const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';
// Racing 'any' appends to one stream are retried; each round one of them wins.
const MAX_APPEND_ATTEMPTS = 50;
// Requests in one group commit at most: bounds the statement's size.
const MAX_GROUP_REQUESTS = 128;
// An append's transaction tells the events table's trigger not to NOTIFY: a NOTIFY inside
// the transaction would hold PostgreSQL's cluster-wide notification lock through the
// commit's WAL flush, and every notifying commit (any schema, any service) would wait its
// turn. The store notifies after the commit instead (announceAppend).
//
// Measured with group commit (one NOTIFY per group instead of one per append), the
// notification inside the commit was still slower: `npm run bench -- append`, 10 in
// flight, 0.29-0.40x one INSERT per transaction against 0.49-0.50x after the commit in
// the same session (BENCHMARKS.md, "Commands at the speed of the log").
const APPEND_BEGIN = `BEGIN; SET LOCAL warden.append_notify = 'after-commit'`;

interface EventRow {
  transaction_id: string;
  global_position: string;
  event_id: string;
  stream_id: string;
  version: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: EventMetadata;
  recorded_at: Date;
}

// Qualified, and ORDER BY must qualify too: a bare name there would sort by these
// text aliases, not by the numbers.
const EVENT_COLUMNS = `e.transaction_id::text AS transaction_id, e.global_position::text AS global_position, e.event_id::text AS event_id,
  e.stream_id, e.version::text AS version, e.type, e.schema_version, e.data, e.metadata, e.recorded_at`;

/** What an append's INSERT returns for each event. */
interface AppendedRow {
  transaction_id: string;
  global_position: string;
  version: string;
}

/** An append's events as the INSERT's `jsonb_array_elements` parameter. */
function eventBatch(request: AppendRequest): string {
  return JSON.stringify(batchEvents(request));
}

function batchEvents(request: AppendRequest): object[] {
  return request.events.map(({ id, type, schemaVersion, data, metadata }) => ({ id, type, schemaVersion: schemaVersion ?? 1, data, metadata }));
}

// What an append's INSERT writes, from each element `e` (number `n`) of eventBatch's array,
// the stream id in $1 and `clock.now`; `before` is the stream's version before the append.
const APPENDED_COLUMNS = 'event_id, stream_id, version, type, schema_version, data, metadata, recorded_at';
const appendedValues = (before: string) =>
  `(e->>'id')::uuid, $1, ${before} + n, e->>'type', (e->>'schemaVersion')::integer, e->'data', e->'metadata', clock.now`;

/** The stream's new version and the log position of the append's last event. */
function appendResultOf(request: AppendRequest, rows: AppendedRow[]): AppendResult {
  const last = rows.reduce((a, b) => (BigInt(a.global_position) > BigInt(b.global_position) ? a : b));
  return {
    streamId: request.streamId,
    version: Math.max(...rows.map((row) => Number(row.version))),
    position: formatLogPosition({ transactionId: last.transaction_id, globalPosition: last.global_position }),
  };
}

/** A racing append's loss on the primary key, as a conflict naming its request; anything else as it was. */
function asVersionConflict(request: AppendRequest, error: unknown): unknown {
  return error instanceof DatabaseError && error.code === UNIQUE_VIOLATION && error.constraint === 'events_pkey'
    ? new StreamVersionConflict(request, error)
    : error;
}

class StreamVersionConflict extends Error {
  constructor(
    readonly request: AppendRequest,
    readonly violation: DatabaseError,
  ) {
    super(`version conflict on ${request.streamId}`);
  }
}

/** One caller's appendMany waiting for its group. */
interface QueuedAppend {
  requests: AppendRequest[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/** What the group statement answers per request: its rows, or the version that refused it. */
interface GroupRow {
  stream_id: string;
  transaction_id: string | null;
  global_position: string | null;
  version: string;
  refused: boolean;
}

export class PostgresEventStore implements EventStore, PendingAppendSource {
  readonly schema: string;
  private readonly table: string;
  private readonly waiters = new AppendWaiters();
  private readonly listener: PostgresAppendListener;
  private heldBack = false;
  private closed = false;
  private readonly notifySql: string;
  private readonly groupStatementName: string;
  // The notification being sent, and whether appends committed since it was sent.
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;
  // Group commit: appends waiting for a group, and the groups committing now.
  private readonly queued: QueuedAppend[] = [];
  private readonly committing = new Set<Promise<void>>();
  // The streams of the groups committing: a later group leaves them out until they are done.
  private readonly streamsCommitting = new Set<string>();

  private constructor(
    /** The store's pool: other components may keep their tables in the same schema. */
    readonly pool: Pool,
    private readonly ownsPool: boolean,
    schema: string,
    private readonly logger: EventStoreLogger,
    private readonly heldBackPollMs: number,
    private readonly groupsInFlight: number,
  ) {
    this.schema = schema;
    this.table = `${quoteIdentifier(schema)}.events`;
    // Prepared statements are per connection and a pool may be shared between schemas: the
    // name is the statement's (its table's) digest, short of PostgreSQL's 63-byte names.
    this.groupStatementName = `warden-append-group:${createHash('sha256').update(this.table).digest('hex').slice(0, 32)}`;
    // Its own transaction, committed without waiting for the WAL flush: the notification
    // is a wake-up call (sleepers also wake on their timeout), not data to keep.
    this.notifySql = `BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify(${quoteLiteral(appendChannel(schema))}, ''); COMMIT`;
    this.listener = new PostgresAppendListener(
      pool.options,
      appendChannel(schema),
      `warden-event-store:${schema}`.slice(0, 63),
      logger,
      () => this.waiters.wakeAll(),
    );
  }

  /** Connects and migrates the schema (safe when several instances start together). */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    quoteIdentifier(options.schema);
    if (options.groupsInFlight !== undefined && !(Number.isSafeInteger(options.groupsInFlight) && options.groupsInFlight >= 1))
      throw new RangeError(`groupsInFlight must be an integer >= 1, not ${options.groupsInFlight}`);
    if (!options.pool === !options.connectionString)
      throw new RangeError('give either a pool or a connection string');
    const pool =
      options.pool ??
      new Pool({
        connectionString: options.connectionString,
        max: options.poolSize ?? 10,
        application_name: `warden-event-store-pool:${options.schema}`.slice(0, 63),
      });
    const logger = options.logger ?? console;
    // An idle pooled connection dropped by a server restart is reported here; unheard,
    // the 'error' would end the process. The pool replaces it on the next query.
    if (!options.pool) pool.on('error', (error) => logger.warn(`event store pool: ${error.message}`));
    // A connection lost while a client is checked out must not end the process either.
    guardPoolClients(pool, (error) => logger.warn(`event store connection lost: ${error.message}`));
    try {
      const { applied } = await runMigrations(
        pool,
        options.schema,
        'event-store',
        eventStoreMigrations(options.schema),
      );
      if (applied.length > 0)
        logger.log(`event store schema ${options.schema}: applied migrations ${applied.join(', ')}`);
    } catch (error) {
      if (!options.pool) await pool.end();
      throw error;
    }
    const store = new PostgresEventStore(
      pool,
      !options.pool,
      options.schema,
      logger,
      options.heldBackPollMs ?? 50,
      options.groupsInFlight ?? 2,
    );
    try {
      // listening before the first read, so no append can fall between the two
      await store.listener.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const [result] = await this.appendMany([request]);
    return result!;
  }

  /**
   * Group commit. Appends from concurrent callers that arrive while `groupsInFlight`
   * groups are committing wait, then go together: one statement, so one transaction, one
   * WAL flush, one round trip and one notification (after the commit) for the whole
   * group. A group holds no two requests for one stream, nor a stream of a group still
   * committing (those wait for a later group), so its requests cannot collide with each
   * other or with this store's other group. The statement reads every stream's version,
   * leaves out each caller whose expected version is not met (all its streams: a
   * multi-stream append stays atomic) and inserts the others' events, so a conflict fails
   * its own caller alone. Only a collision with a writer outside the store (another
   * instance) or a duplicate event id fails the statement: nothing of the group is written
   * then, and each caller's append is tried again on its own, where each fails or succeeds
   * alone, as without grouping. Nothing is written twice: event ids are unique, and
   * versions are checked again.
   */
  async appendMany(requests: AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen();
    validateAppendRequests(requests);
    // A request naming one stream twice is appended alone, in request order.
    if (new Set(requests.map((r) => r.streamId)).size < requests.length) return this.appendAlone(requests);
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queued.push({ requests, resolve, reject });
      this.startGroups();
    });
  }

  /** Starts groups from the queue while fewer than `groupsInFlight` are committing. */
  private startGroups(): void {
    while (this.committing.size < this.groupsInFlight && this.queued.length > 0) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      const streams = group.flatMap((append) => append.requests.map((r) => r.streamId));
      for (const stream of streams) this.streamsCommitting.add(stream);
      const commit = this.commitGroup(group)
        // an answer given already stays; any caller left unanswered gets the error
        .catch((error: unknown) => group.forEach((append) => append.reject(error)))
        .finally(() => {
          for (const stream of streams) this.streamsCommitting.delete(stream);
          this.committing.delete(commit);
          this.startGroups();
        });
      this.committing.add(commit);
    }
  }

  /**
   * The queued appends, in arrival order, whose streams neither an earlier one in the group
   * nor a group committing now touches.
   */
  private takeGroup(): QueuedAppend[] {
    const group: QueuedAppend[] = [];
    const streams = new Set<string>(this.streamsCommitting);
    let size = 0;
    for (let i = 0; i < this.queued.length && size < MAX_GROUP_REQUESTS; ) {
      const append = this.queued[i]!;
      if (append.requests.some((r) => streams.has(r.streamId)) || (size > 0 && size + append.requests.length > MAX_GROUP_REQUESTS)) {
        i++;
        continue;
      }
      this.queued.splice(i, 1);
      group.push(append);
      size += append.requests.length;
      for (const request of append.requests) streams.add(request.streamId);
    }
    return group;
  }

  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    let rows: GroupRow[];
    try {
      rows = await this.insertGroup(group);
    } catch (error) {
      if (!isGroupCollision(error)) {
        for (const append of group) append.reject(await this.translate(error));
        return;
      }
      // Rolled back whole: each caller again on its own (with its retries), together.
      await Promise.all(group.map((append) => this.appendAlone(append.requests).then(append.resolve, append.reject)));
      return;
    }
    if (rows.some((row) => !row.refused)) this.announceAppend();
    const byStream = new Map<string, GroupRow[]>();
    for (const row of rows) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
    for (const append of group) {
      const refused = append.requests.find((r) => byStream.get(r.streamId)?.[0]?.refused);
      if (refused) {
        const actual = Number(byStream.get(refused.streamId)![0]!.version);
        append.reject(new WrongExpectedVersionError(refused.streamId, refused.expectedVersion, actual));
      } else {
        append.resolve(append.requests.map((r) => appendResultOf(r, byStream.get(r.streamId)! as AppendedRow[])));
      }
    }
  }

  /**
   * A group as one statement. Each request carries its caller's number `u`; `current` is
   * each stream's version in the statement's snapshot; a caller with any request whose
   * expected version differs is `refused` and inserts nothing. The answer: the inserted
   * rows, and for each request whose expectation failed one row with the stream's version.
   * Events are inserted in request order, then event order, so their log positions
   * follow the order the callers arrived in.
   */
  private async insertGroup(group: QueuedAppend[]): Promise<GroupRow[]> {
    const batch = group.flatMap((append, u) =>
      append.requests.map((request) => ({
        u,
        s: request.streamId,
        x: requiredVersion(request.expectedVersion) ?? null,
        e: batchEvents(request),
      })),
    );
    const { rows } = await this.pool.query<GroupRow>({
      // named: each connection plans it once, not on every group
      name: this.groupStatementName,
      // set_config(..., true): APPEND_BEGIN's setting, for this statement's transaction.
      text: `WITH quiet AS (SELECT set_config('warden.append_notify', 'after-commit', true) AS setting),
            request AS (
              SELECT (r->>'u')::int AS u, i, r->>'s' AS stream_id, (r->>'x')::bigint AS required, r->'e' AS events
              FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS q(r, i)),
            current AS (
              SELECT request.*, (SELECT coalesce(max(version), 0) FROM ${this.table} WHERE stream_id = request.stream_id) AS version
              FROM request),
            refused AS (SELECT DISTINCT u FROM current WHERE required IS NOT NULL AND required <> version),
            clock AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS now),
            appended AS (
              INSERT INTO ${this.table} (${APPENDED_COLUMNS})
              SELECT (e->>'id')::uuid, current.stream_id, current.version + n, e->>'type', (e->>'schemaVersion')::integer, e->'data', e->'metadata', clock.now
              FROM current CROSS JOIN LATERAL jsonb_array_elements(current.events) WITH ORDINALITY AS batch(e, n), clock, quiet
              WHERE current.u NOT IN (SELECT u FROM refused)
              ORDER BY current.i, n
              RETURNING stream_id, transaction_id::text AS transaction_id, global_position::text AS global_position, version::text AS version)
       SELECT stream_id, transaction_id, global_position, version, false AS refused FROM appended
       UNION ALL
       SELECT stream_id, NULL, NULL, version::text, true FROM current WHERE required IS NOT NULL AND required <> version`,
      values: [JSON.stringify(batch)],
    });
    return rows;
  }

  /** One caller's append in a transaction of its own, retried while it loses races it may retry. */
  private async appendAlone(requests: AppendRequest[]): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results =
          requests.length === 1
            ? [await this.insertOne(requests[0]!)]
            : await this.inTransaction((client) => this.insert(client, requests));
        this.announceAppend();
        return results;
      } catch (error) {
        // the connection is back in the pool here: a lost race may read the winner's version
        if (!isRetryable(error) || attempt >= MAX_APPEND_ATTEMPTS) throw await this.translate(error);
        await new Promise((resolve) => setTimeout(resolve, randomInt(1, 5 * attempt)));
      }
    }
  }

  /** Holds an append open on its own connection: the contract suite's slow transaction. */
  async beginPendingAppend(requests: AppendRequest[]): Promise<PendingAppend> {
    this.assertOpen();
    validateAppendRequests(requests);
    const client = await this.pool.connect();
    let results: AppendResult[];
    try {
      await client.query('BEGIN');
      results = await this.insert(client, requests);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw await this.translate(error);
    }
    let ended = false;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (ended) throw new Error('this pending append has already ended');
      ended = true;
      try {
        await client.query(sql);
      } finally {
        client.release();
      }
    };
    return {
      commit: async () => {
        await end('COMMIT');
        return results;
      },
      rollback: () => end('ROLLBACK'),
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.table} e
       WHERE e.stream_id = $1 AND e.version >= $2 AND ($3::timestamptz IS NULL OR e.recorded_at <= $3::timestamptz)
       ORDER BY e.version`,
      [streamId, options.fromVersion ?? 1, options.recordedUntil ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(options.limit) || options.limit < 1)
      throw new RangeError(`invalid limit ${options.limit}`);
    const after = options.after === undefined ? LOG_START : parseLogPosition(options.after);
    // One statement, one snapshot: its xmin is the oldest transaction still open. The same
    // statement says whether committed rows are held back behind it (what sleepers poll for),
    // on a row of its own that the page joins, so that an empty page still answers it: a
    // reader that caught up (the relay, after every append) pays one round trip, not two.
    const { rows } = await this.pool.query<EventRow & { held: boolean }>(
      `SELECT page.*, snapshot.held FROM
         (SELECT EXISTS (SELECT 1 FROM ${this.table} WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS held) snapshot
         LEFT JOIN LATERAL (
           SELECT ${EVENT_COLUMNS}, e.transaction_id AS log_transaction, e.global_position AS log_position FROM ${this.table} e
           WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             AND (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
           ORDER BY e.transaction_id, e.global_position
           LIMIT $3
         ) page ON true
       ORDER BY page.log_transaction, page.log_position`,
      [after.transactionId, after.globalPosition, options.limit],
    );
    this.heldBack = rows[0]!.held;
    return rows.filter((row) => row.event_id !== null).map(toRecordedEvent);
  }

  // No xmin filter: committed rows that readAll holds back are counted too. They all lie
  // after any position readAll has returned: readAll returns only rows whose transaction
  // id is below its snapshot's xmin, and a transaction that commits later was either open
  // then (its id >= that xmin) or began after (a greater id still), so its rows sort after
  // every row returned, and no transaction id can sort before a returned row and still
  // commit. Rows of open transactions are invisible here, as anywhere: they are not counted.
  async countAfter(after: LogPosition | undefined, limit: number): Promise<number> {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid limit ${limit}`);
    const from = after === undefined ? LOG_START : parseLogPosition(after);
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM ${this.table} e
         WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
         LIMIT $3
       ) bounded`,
      [from.transactionId, from.globalPosition, limit],
    );
    return rows[0]!.n;
  }

  /** Whether append notifications arrive now; while not, sleepers wake on their timeout. */
  get listening(): boolean {
    return this.listener.listening;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Events held back by a transaction we get no notification from: look again soon.
    return this.waiters.wait(this.heldBack ? Math.min(timeoutMs, this.heldBackPollMs) : timeoutMs, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // appends already accepted are committed (or refused) before the pool goes
    while (this.committing.size > 0) await Promise.all([...this.committing]);
    this.waiters.wakeAll();
    await this.notifying;
    await this.listener.stop();
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * Wakes this store's sleepers at once and every other listener on the schema (other
   * instances) by a NOTIFY sent after the append committed. At most one is on its way;
   * appends committed meanwhile are announced by one more, sent when it is answered.
   */
  private announceAppend(): void {
    this.waiters.wakeAll();
    if (this.closed) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifyAgain = false;
    this.notifying = this.pool
      .query(this.notifySql)
      .then(
        () => undefined,
        (error: unknown) => {
          // Listeners elsewhere then wake on their timeout instead.
          if (!this.closed)
            this.logger.warn(
              `append notification failed: ${error instanceof Error ? error.message : String(error)}`,
            );
        },
      )
      .finally(() => {
        this.notifying = undefined;
        if (this.notifyAgain && !this.closed) this.announceAppend();
      });
  }

  /**
   * One stream's append as one statement, so one round trip: the version check, the
   * insert and the commit are the statement's own transaction. The stream's current
   * version is read in the statement; an expectation it does not meet inserts nothing.
   * Two appends racing past the check collide on the primary key, as in `insert`.
   */
  private async insertOne(request: AppendRequest): Promise<AppendResult> {
    const required = requiredVersion(request.expectedVersion);
    let rows: AppendedRow[];
    try {
      ({ rows } = await this.pool.query<AppendedRow>(
        // set_config(..., true): APPEND_BEGIN's setting, for this statement's transaction.
        // One timestamp for the whole append, as in `insert`.
        `WITH quiet AS (SELECT set_config('warden.append_notify', 'after-commit', true) AS setting),
              current AS (SELECT coalesce(max(version), 0) AS version FROM ${this.table} WHERE stream_id = $1),
              clock AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS now)
         INSERT INTO ${this.table} (${APPENDED_COLUMNS})
         SELECT ${appendedValues('current.version')}
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS batch(e, n), quiet, current, clock
         WHERE $2::bigint IS NULL OR current.version = $2::bigint
         ORDER BY n
         RETURNING transaction_id::text AS transaction_id, global_position::text AS global_position, version::text AS version`,
        [request.streamId, required ?? null, eventBatch(request)],
      ));
    } catch (error) {
      throw asVersionConflict(request, error);
    }
    if (rows.length === 0) {
      throw new WrongExpectedVersionError(
        request.streamId,
        request.expectedVersion,
        await this.streamVersion(this.pool, request.streamId),
      );
    }
    return appendResultOf(request, rows);
  }

  /** The stream's current version, on the pool or inside a transaction's client. */
  private async streamVersion(on: Pool | PoolClient, streamId: string): Promise<number> {
    const { rows } = await on.query<{ version: string }>(
      `SELECT coalesce(max(version), 0)::text AS version FROM ${this.table} WHERE stream_id = $1`,
      [streamId],
    );
    return Number(rows[0]!.version);
  }

  // Inside the caller's transaction. Requests are inserted in order; each statement is
  // one request, so a unique violation says which stream lost the race.
  private async insert(client: PoolClient, requests: AppendRequest[]): Promise<AppendResult[]> {
    const streams = [...new Set(requests.map((r) => r.streamId))];
    if (streams.length > 1) {
      // Two multi-stream appends lock their streams in one global order, not in request
      // order, so they queue instead of deadlocking.
      await client.query(
        `SELECT pg_advisory_xact_lock(hashtext($1), key)
         FROM (SELECT DISTINCT hashtext(s) AS key FROM unnest($2::text[]) s ORDER BY 1) keys`,
        [`warden.event-store.stream:${this.schema}`, streams],
      );
    }
    const results: AppendResult[] = [];
    for (const request of requests) {
      const version = await this.streamVersion(client, request.streamId);
      const required = requiredVersion(request.expectedVersion);
      if (required !== undefined && required !== version) {
        throw new WrongExpectedVersionError(request.streamId, request.expectedVersion, version);
      }
      try {
        // One timestamp for the whole append, taken after the version check.
        const { rows } = await client.query<AppendedRow>(
          `WITH clock AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS now)
           INSERT INTO ${this.table} (${APPENDED_COLUMNS})
           SELECT ${appendedValues('$2::bigint')}
           FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS batch(e, n), clock
           ORDER BY n
           RETURNING transaction_id::text AS transaction_id, global_position::text AS global_position, version::text AS version`,
          [request.streamId, version, eventBatch(request)],
        );
        results.push(appendResultOf(request, rows));
      } catch (error) {
        throw asVersionConflict(request, error);
      }
    }
    return results;
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(APPEND_BEGIN);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // a connection that cannot roll back is closed, not handed to the next caller
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  // After the rollback: a lost race reads the version that won, now committed.
  private async translate(error: unknown): Promise<unknown> {
    if (error instanceof StreamVersionConflict) {
      return new WrongExpectedVersionError(
        error.request.streamId,
        error.request.expectedVersion,
        await this.streamVersion(this.pool, error.request.streamId),
      );
    }
    if (
      error instanceof DatabaseError &&
      error.code === UNIQUE_VIOLATION &&
      error.constraint === 'events_event_id_key'
    ) {
      const id = /\(event_id\)=\(([0-9a-f-]+)\)/.exec(error.detail ?? '')?.[1];
      return new DuplicateEventIdError(id ?? 'unknown');
    }
    return error;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

/** A group statement that lost to a writer outside it, or carried an event id already stored. */
function isGroupCollision(error: unknown): boolean {
  return error instanceof DatabaseError && (error.code === UNIQUE_VIOLATION || error.code === DEADLOCK_DETECTED);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof StreamVersionConflict) return error.request.expectedVersion === 'any';
  return error instanceof DatabaseError && error.code === DEADLOCK_DETECTED;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    version: Number(row.version),
    position: formatLogPosition({ transactionId: row.transaction_id, globalPosition: row.global_position }),
    recordedAt: row.recorded_at.toISOString(),
  };
}
