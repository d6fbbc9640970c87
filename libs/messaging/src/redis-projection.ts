// A read model in Redis, exactly-once in effect: one Lua script applies an event's ops
// and advances the projection's bookkeeping, so data and checkpoint never disagree, and
// a redelivered or older event (same stream, version not above the stored one) is a no-op.
//
// Keys, all under the projection's `keyPrefix`:
//   <prefix><key>                     data, as the projection's ops name it
//   <prefix><name>:v:<bucket>         last version applied per event stream: field <streamId>
//                                     of the hash of its bucket (streamVersionBucket, 0..4095)
//   <prefix><name>:checkpoint         greatest global position applied
//   <prefix><name>:ready              set when a rebuild completed; its absence means the
//                                     read model was lost (Redis flushed) or never built
// A projection kept in generations (replayed beside the live one, then swapped in) names a
// pointer key holding the live generation; an apply to a generation that is no longer the
// live one is refused in the script itself (ProjectionGenerationMovedError), so no write
// can land in a generation after it was swapped out.
// Redis Cluster: every key a script touches must share one slot, so a clustered deployment
// keeps one projection under one hash tag in its key prefix (the read models a verification
// reads share `{verification}:`), and the generation pointer under the same tag. Splitting
// a projection across shards would need a checkpoint per tag.
// The buckets: with Redis's defaults (hash-max-listpack-entries 512, hash-max-listpack-value
// 64, which a stream id of up to 64 bytes stays within) every bucket is a compact listpack up
// to about 1.7M streams in a projection, most up to 4096 x 512 (about 2M); past that they
// turn into hash tables, about twice the bytes a stream, still under a key of its own. A
// server set to 128 entries keeps them compact up to about 350,000 streams only. Raising
// hash-max-listpack-entries keeps more compact (1024: about 3.5M), a field lookup in a
// listpack being a scan of its bucket.
// Upgrade: a read model written before the buckets holds a key per stream,
// <prefix><name>:v:<streamId>; it is honoured while the bucket has no field for the stream,
// and deleted by the script that next applies an event of the stream. (A stream id is never
// a bare number, `<type>-<id>`, so no such key is a bucket's.)
import type { Result } from 'ioredis';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import { EventStore, LogPosition, RecordedEvent } from '@warden/event-store';
import { ownMetric } from '@warden/platform';
import { Gauge } from 'prom-client';
import { describeError } from './backoff';
import { MessagingLog, stderrMessagingLog } from './messaging-log';
import { RedisOp, compileRedisOps } from './redis-ops';
import { streamVersionBucketKey } from './stream-version-bucket';
import { INVALIDATION_LOG_RETENTION_MS } from '@warden/contracts';

/** Reads a projection may make while deciding its ops; keys are relative to its prefix. */
export interface ProjectionReader {
  get(key: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  smembers(key: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
}

export interface RedisProjection {
  /** Names the bookkeeping keys; a kebab-case word such as `token-read-model`. */
  name: string;
  /** Every key of the projection starts with it (tests isolate by it). */
  keyPrefix: string;
  /**
   * The writes one event causes; [] when the event does not concern the projection
   * (its version is still recorded). Reads happen before the script, so events of one
   * projection must be handled one at a time (the EventConsumer's default).
   */
  apply(event: RecordedEvent, read: ProjectionReader): Promise<RedisOp[]> | RedisOp[];
  /**
   * Optional: what a replay (a rebuild, a generation built beside the live one, its
   * catch-up) applies instead of `apply`. One is made per replay and dropped at its end.
   * A projection that gives one says its ops never depend on the read model's state, so
   * the runner asks for the ops of a whole page of events first and sends their scripts
   * in one pipeline, in log order (the per-stream version check still holds).
   */
  replayer?(): ProjectionReplayer;
  /**
   * Optional: what the verification caches must drop when this event is applied (subjects:
   * `c:<credential>`, `u:<user>`, `o:<organization>`, `*`), for a read model that
   * verifications decide on; written to the runner's `verificationCaches` log in the apply's script.
   */
  invalidates?(event: RecordedEvent): string[];
}

/**
 * The ops of events met in log order during one replay: the same ops `apply` would give
 * for each event, possibly computed from state kept from the events before it.
 */
export interface ProjectionReplayer {
  apply(event: RecordedEvent): Promise<RedisOp[]> | RedisOp[];
}

export type ProjectionOutcome = 'applied' | 'skipped';

export interface RedisProjectionStatus {
  projection: string;
  rebuilding: boolean;
  lastRebuild?: { finishedAt: string; events: number; applied: number };
  lastError?: string;
}

export interface RedisProjectionRunnerOptions {
  redis: RedisClient;
  projection: RedisProjection;
  /** Where a lost read model is rebuilt from. */
  store: EventStore;
  rebuildBatchSize?: number;
  /**
   * How long a rebuild that has read everything readable waits for committed events the
   * store still holds back (behind an older transaction that is open, anywhere in the
   * PostgreSQL cluster). Past it the rebuild fails and the read model stays not ready,
   * rather than be declared rebuilt without them. Default 30 s.
   */
  rebuildHeldBackTimeoutMs?: number;
  log?: MessagingLog;
  /**
   * For a read model kept in generations: the full Redis key of the pointer to the live
   * generation, and the generation this runner writes (`''` when the pointer is absent).
   */
  generation?: { pointerKey: string; id: string };
  /**
   * The verification caches' invalidation log and their lease epoch (full keys, under the
   * projection's hash tag, as `verificationCacheKeys` names them): an event applied outside a
   * replay writes what the projection's `invalidates` names to the log, and its apply answers
   * where (`AppliedEvent`).
   */
  verificationCaches?: { invalidations: string; epoch: string };
}

/**
 * An invalidation an apply wrote, as the caches' lease protocol names it: the log entry's id
 * and the lease epoch it was written in (read in the same script).
 */
export interface WrittenInvalidation {
  epoch: string;
  id: string;
}

/** How an apply ended, and the invalidation it wrote (none when it was skipped, or when the caches have no epoch yet). */
export interface AppliedEvent {
  outcome: ProjectionOutcome;
  invalidation?: WrittenInvalidation;
}

/** Where an event stands: what the apply script's version check and checkpoint need of it. */
export type EventPlace = Pick<RecordedEvent, 'streamId' | 'version' | 'position'>;

/** Told how many events a rebuild or catch-up has applied so far (every batch). */
export type RebuildProgress = (eventsDone: number) => void;

const APPLY_PROJECTION_EVENT = loadRedisScript(__dirname, 'apply-projection-event.lua');
const SWAP_PROJECTION_GENERATION = loadRedisScript(__dirname, 'swap-projection-generation-3.lua');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The bookkeeping keys and the data keys (their count first), then the event's place and ops: see the script. */
    wardenApplyProjectionEvent(numberOfKeys: number, ...keysAndArgs: string[]): Result<number | [1, string, string], Context>;
    wardenSwapProjectionGeneration(
      pointerKey: string,
      liveCheckpointKey: string,
      newCheckpointKey: string,
      liveGeneration: string,
      newGeneration: string,
    ): Result<number, Context>;
  }
}

// A rebuild waiting for held-back events reads again at least this often (the PostgreSQL
// store wakes it sooner while it sees rows held back).
const HELD_BACK_WAIT_MS = 100;
const BOOKKEEPING_KEYS = 5;

/** How a generation swap ended: swapped in, behind the live one (catch up and try again), or another was swapped in meanwhile. */
export type GenerationSwap = 'swapped' | 'behind' | 'moved';

export class ProjectionScriptError extends Error {
  override readonly name = 'ProjectionScriptError';
}

// Registered by the first projection runner of the process.
const rebuildsInProgress = ownMetric(
  () =>
    new Gauge({
      name: 'warden_rebuilds_in_progress',
      help: 'Read models being rebuilt from the event store in this process, by projection',
      labelNames: ['projection'] as const,
    }),
);

/** The generation this runner writes was swapped out: apply the event to the live one instead. */
export class ProjectionGenerationMovedError extends Error {
  override readonly name = 'ProjectionGenerationMovedError';
}

/** A rebuild that could not read every committed event in time: the read model is not ready. */
export class ProjectionRebuildTimeoutError extends Error {
  override readonly name = 'ProjectionRebuildTimeoutError';
}

export class RedisProjectionRunner {
  private readonly redis: RedisClient;
  private readonly projection: RedisProjection;
  private readonly store: EventStore;
  private readonly rebuildBatchSize: number;
  private readonly rebuildHeldBackTimeoutMs: number;
  private readonly log: MessagingLog;
  private readonly reader: ProjectionReader;
  private readonly generation: { pointerKey: string; id: string } | undefined;
  private readonly verificationCaches: { invalidations: string; epoch: string } | undefined;
  private rebuilding: Promise<{ events: number; applied: number }> | undefined;
  private lastRebuild: RedisProjectionStatus['lastRebuild'];
  private lastError: string | undefined;

  constructor(options: RedisProjectionRunnerOptions) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(options.projection.name)) {
      throw new Error(`invalid projection name: ${JSON.stringify(options.projection.name)}`);
    }
    this.redis = options.redis;
    this.projection = options.projection;
    this.store = options.store;
    this.rebuildBatchSize = options.rebuildBatchSize ?? 500;
    this.rebuildHeldBackTimeoutMs = options.rebuildHeldBackTimeoutMs ?? 30_000;
    this.log = options.log ?? stderrMessagingLog;
    this.generation = options.generation;
    this.verificationCaches = options.verificationCaches;
    rebuildsInProgress().inc({ projection: this.projection.name }, 0); // the series exists before the first rebuild
    defineRedisScripts(this.redis, [APPLY_PROJECTION_EVENT, SWAP_PROJECTION_GENERATION]);
    const full = (key: string) => this.projection.keyPrefix + key;
    this.reader = {
      get: (key) => this.redis.get(full(key)),
      hgetall: (key) => this.redis.hgetall(full(key)),
      smembers: (key) => this.redis.smembers(full(key)),
      exists: async (key) => (await this.redis.exists(full(key))) === 1,
    };
  }

  /** The full Redis key of a projection-relative key (for the readers of the read model). */
  key(relative: string): string {
    return this.projection.keyPrefix + relative;
  }

  /** Applies one event; rebuilds the whole read model first if it was lost. */
  async handle(event: RecordedEvent): Promise<ProjectionOutcome> {
    return (await this.handleWritingInvalidation(event)).outcome;
  }

  /** `handle`, answering also the invalidation its apply wrote, for a command that then waits for the caches to apply it. */
  handleWritingInvalidation(event: RecordedEvent): Promise<AppliedEvent> {
    return this.handleWith(event, () => this.projection.apply(event, this.reader), this.projection.invalidates?.(event));
  }

  /**
   * Applies ops the caller computed for an event, under the same checks as `handle` (the
   * stream's version, the live generation, a lost read model rebuilt first): for a command
   * that holds the state its events lead to and need not have the projection read it back.
   * Only for a projection whose ops are the state as of the event, never the read model's.
   * `invalidates`: what the verification caches must drop, as the projection's `invalidates`.
   */
  applyOps(event: EventPlace, ops: RedisOp[], invalidates?: readonly string[]): Promise<AppliedEvent> {
    return this.handleWith(event, () => ops, invalidates);
  }

  /**
   * Whether the apply script would skip the event now: this generation is live, the read
   * model is there and holds the event's stream at its version or a later one. One read,
   * for a caller that would otherwise compute the ops of an event applied long ago (a
   * JetStream redelivery of what a command applied before answering).
   */
  async hasApplied(event: EventPlace): Promise<boolean> {
    const [applied, [ready, live]] = await Promise.all([
      this.appliedVersion(event.streamId),
      this.redis.mget(this.bookkeepingKey('ready'), this.generation?.pointerKey ?? this.bookkeepingKey('generation')),
    ]);
    if (this.generation && (live ?? '') !== this.generation.id) return false;
    return ready !== null && applied >= event.version;
  }

  /** The last version of the stream applied to this read model (its generation); 0 for none. */
  async appliedVersion(streamId: string): Promise<number> {
    const { bucket, field, legacy } = this.streamVersionKeys(streamId);
    // As the apply script reads it: the key of before the buckets only while the bucket has no field.
    const [inBucket, ofBefore] = await Promise.all([this.redis.hget(bucket, field), this.redis.get(legacy)]);
    return Number(inBucket ?? ofBefore ?? '0');
  }

  /**
   * Where the stream's last applied version is: field `field` of the hash `bucket`, or, in a
   * read model written before the buckets and until the stream's next event, the key `legacy`.
   */
  streamVersionKeys(streamId: string): { bucket: string; field: string; legacy: string } {
    return { bucket: streamVersionBucketKey(this.projection.keyPrefix, this.projection.name, streamId), field: streamId, legacy: this.bookkeepingKey(`v:${streamId}`) };
  }

  private async handleWith(event: EventPlace, opsOf: () => Promise<RedisOp[]> | RedisOp[], invalidates: readonly string[] = []): Promise<AppliedEvent> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.applyEvent(event, await opsOf(), false, invalidates);
      if (typeof result !== 'number') return { outcome: 'applied', invalidation: result };
      if (result >= 0) return { outcome: result === 1 ? 'applied' : 'skipped' };
      if (result === -2) throw new ProjectionGenerationMovedError(`projection ${this.projection.name}: generation ${JSON.stringify(this.generation?.id)} is no longer live`);
      this.log('warn', 'projection read model missing; rebuilding from the event store', { projection: this.projection.name });
      await this.rebuild();
    }
    throw new ProjectionScriptError(`projection ${this.projection.name}: read model lost again while rebuilding`);
  }

  /**
   * Replays the store from its start into the projection. Already-applied events are
   * no-ops, so running it over an intact read model changes nothing; after a flush it
   * restores the same state. Concurrent calls share one run. Done, and the read model
   * marked ready, only once no committed event is left unread, including any the store
   * holds back behind an open transaction: a rebuild that missed a revocation would
   * serve a revoked credential as active. Rejects (ProjectionRebuildTimeoutError) if
   * held-back events stay unreadable for `rebuildHeldBackTimeoutMs`.
   */
  rebuild(store: EventStore = this.store, onProgress?: RebuildProgress): Promise<{ events: number; applied: number }> {
    if (!this.rebuilding) rebuildsInProgress().inc({ projection: this.projection.name }, 1);
    this.rebuilding ??= this.replay(store, undefined, onProgress).then(({ events, applied }) => ({ events, applied })).finally(() => {
      this.rebuilding = undefined;
      rebuildsInProgress().dec({ projection: this.projection.name }, 1);
    });
    return this.rebuilding;
  }

  /**
   * Applies what the store holds after `after` (a rebuild's last position), as a rebuild
   * does, for a generation being caught up before a swap. Answers the number of events
   * read and the last position.
   */
  async catchUp(after: LogPosition | undefined, onProgress?: RebuildProgress): Promise<{ events: number; last: LogPosition | undefined }> {
    const { events, last } = await this.replay(this.store, after, onProgress);
    return { events, last };
  }

  /** Replays the whole store, as `rebuild`, answering also the last position read. */
  replayAll(onProgress?: RebuildProgress): Promise<{ events: number; applied: number; last: LogPosition | undefined }> {
    return this.replay(this.store, undefined, onProgress);
  }

  /** The greatest global position applied; undefined when nothing was. */
  async checkpoint(): Promise<LogPosition | undefined> {
    return (await this.redis.get(this.bookkeepingKey('checkpoint'))) ?? undefined;
  }

  /** False when the read model was lost (or never built) and needs a rebuild. */
  async isReady(): Promise<boolean> {
    return (await this.redis.exists(this.bookkeepingKey('ready'))) === 1;
  }

  status(): RedisProjectionStatus {
    return {
      projection: this.projection.name,
      rebuilding: this.rebuilding !== undefined,
      lastRebuild: this.lastRebuild,
      lastError: this.lastError,
    };
  }

  private async replay(
    store: EventStore,
    from: LogPosition | undefined,
    onProgress: RebuildProgress | undefined,
  ): Promise<{ events: number; applied: number; last: LogPosition | undefined }> {
    let after: LogPosition | undefined = from;
    let events = 0;
    let applied = 0;
    // Set the first time the rebuild has read all that is readable while committed events
    // remain; not moved on afterwards, so the wait at the tail of the log is bounded.
    let deadline: number | undefined;
    const replayer = this.projection.replayer?.();
    const read = (from: LogPosition | undefined) => {
      const reading = store.readAll({ after: from, limit: this.rebuildBatchSize });
      reading.catch(() => undefined); // awaited below; not unhandled if applying fails first
      return reading;
    };
    let next = read(after);
    // The last page's pipeline, answered while the next page's ops are computed and sent.
    let inFlight: Promise<void> | undefined;
    const settle = async () => {
      const answering = inFlight;
      inFlight = undefined;
      await answering;
    };
    try {
      for (;;) {
        const page = await next;
        if (page.length > 0) {
          // The next page is read while this one is applied.
          next = read(page[page.length - 1]!.position);
          if (replayer) {
            // Sent behind the last page on the same connection, so applied after it.
            const { answered } = await this.sendPage(page, replayer);
            await settle();
            const done = events + page.length;
            inFlight = answered.then((count) => {
              applied += count;
              onProgress?.(done);
            });
            inFlight.catch(() => undefined); // awaited by settle; not unhandled if this run fails first
            events = done;
          } else {
            for (const event of page) {
              // A replay writes no invalidation: the script answers 1 or 0.
              if ((await this.applyEvent(event, await this.projection.apply(event, this.reader), true)) === 1) applied += 1;
              events += 1;
            }
            onProgress?.(events);
          }
          after = page[page.length - 1]!.position;
          continue;
        }
        await settle();
        // An empty page says nothing is readable yet, not that nothing is there.
        if ((await store.countAfter(after, 1)) === 0) break;
        const now = Date.now();
        if (deadline === undefined) {
          deadline = now + this.rebuildHeldBackTimeoutMs;
          this.log('info', 'projection rebuild waiting for committed events held back by an open transaction', {
            projection: this.projection.name,
            after,
          });
        }
        if (now >= deadline) {
          throw new ProjectionRebuildTimeoutError(
            `projection ${this.projection.name}: committed events after ${after ?? 'the start'} stayed unreadable ` +
              `(held back by an open transaction) for ${this.rebuildHeldBackTimeoutMs} ms; the read model is not ready`,
          );
        }
        await store.waitForAppend(Math.min(HELD_BACK_WAIT_MS, deadline - now));
        next = read(after);
      }
      await this.redis.set(this.bookkeepingKey('ready'), new Date().toISOString());
      // Readers of a generational read model take the pointer's presence for "built": a base
      // generation rebuilt is named once ready (NX: never over a generation swapped in since).
      if (this.generation?.id === '') await this.redis.set(this.generation.pointerKey, '', 'NX');
    } catch (error) {
      this.lastError = describeError(error);
      throw error;
    }
    this.lastRebuild = { finishedAt: new Date().toISOString(), events, applied };
    this.log('info', 'projection rebuilt', { projection: this.projection.name, events, applied });
    return { events, applied, last: after };
  }

  /** The script's answer (see apply-projection-event.lua): a number, or where it wrote the invalidation of an event it applied. */
  private async applyEvent(event: EventPlace, ops: RedisOp[], rebuilding: boolean, invalidates: readonly string[] = []): Promise<number | WrittenInvalidation> {
    const result: unknown = await this.redis.wardenApplyProjectionEvent(...this.applyArguments(event, ops, rebuilding, invalidates));
    if (Array.isArray(result) && result.length === 3 && result[0] === 1 && typeof result[1] === 'string' && typeof result[2] === 'string') {
      return { epoch: result[1], id: result[2] };
    }
    if (result !== 0 && result !== 1 && result !== -1 && result !== -2) throw new ProjectionScriptError(`unexpected script result ${String(result)}`);
    return result;
  }

  /**
   * Sends a page of a replay in one round trip: every event's ops are computed and checked
   * first (an invalid op fails the page before anything of it is sent), then the scripts
   * go in one pipeline, in log order. `answered` tells how many were applied.
   */
  private async sendPage(page: readonly RecordedEvent[], replayer: ProjectionReplayer): Promise<{ answered: Promise<number> }> {
    const calls: [number, ...string[]][] = [];
    for (const event of page) calls.push(this.applyArguments(event, await replayer.apply(event), true));
    const pipeline = this.redis.pipeline();
    for (const call of calls) pipeline.wardenApplyProjectionEvent(...call);
    const answered = pipeline.exec().then((replies) => {
      if (replies?.length !== page.length) throw new ProjectionScriptError(`pipeline answered ${replies?.length ?? 0} of ${page.length} applies`);
      let applied = 0;
      for (const [error, result] of replies) {
        if (error) throw new ProjectionScriptError(`projection ${this.projection.name}: ${error.message}`);
        // During a replay the script neither checks the ready marker nor the generation.
        if (result !== 0 && result !== 1) throw new ProjectionScriptError(`unexpected script result ${String(result)}`);
        applied += result;
      }
      return applied;
    });
    return { answered };
  }

  /** The apply script's key count, keys and arguments for one event and its ops. */
  private applyArguments(event: EventPlace, ops: RedisOp[], rebuilding: boolean, invalidates: readonly string[] = []): [number, ...string[]] {
    const compiled = compileRedisOps(ops, this.projection.keyPrefix, `${this.projection.name}:`, BOOKKEEPING_KEYS + 1);
    // A replay writes no invalidation: it changes no verification's outcome (a generation
    // swapped in is announced once, by whoever swaps it).
    const caches = !rebuilding && invalidates.length > 0 ? this.verificationCaches : undefined;
    const version = this.streamVersionKeys(event.streamId);
    return [
      BOOKKEEPING_KEYS + compiled.keys.length + (caches ? 2 : 0),
      version.bucket,
      version.legacy,
      this.bookkeepingKey('checkpoint'),
      this.bookkeepingKey('ready'),
      this.generation?.pointerKey ?? this.bookkeepingKey('generation'),
      ...compiled.keys,
      ...(caches ? [caches.epoch, caches.invalidations] : []),
      String(event.version),
      event.position,
      JSON.stringify(compiled.ops),
      rebuilding ? '1' : '0',
      this.generation?.id ?? '*',
      version.field,
      ...(caches ? [invalidates.join(' '), String(INVALIDATION_LOG_RETENTION_MS)] : []),
    ];
  }

  /**
   * Swaps this runner's generation in for `live`'s (both of one read model, under one
   * pointer) if it holds every event the live one does; the pointer, both checkpoints and the
   * check in one script, so no event applied live between the check and the switch is lost.
   */
  async swapIn(live: RedisProjectionRunner): Promise<GenerationSwap> {
    if (!this.generation || !live.generation || this.generation.pointerKey !== live.generation.pointerKey) {
      throw new Error(`projection ${this.projection.name}: only generations under one pointer are swapped`);
    }
    const result = await this.redis.wardenSwapProjectionGeneration(
      this.generation.pointerKey,
      live.bookkeepingKey('checkpoint'),
      this.bookkeepingKey('checkpoint'),
      live.generation.id,
      this.generation.id,
    );
    if (result === 1) return 'swapped';
    if (result === 0) return 'behind';
    if (result === -1) return 'moved';
    throw new ProjectionScriptError(`unexpected swap result ${String(result)}`);
  }

  private bookkeepingKey(suffix: string): string {
    return `${this.projection.keyPrefix}${this.projection.name}:${suffix}`;
  }
}
