import { randomBytes } from 'node:crypto';
import {
  CommonErrorCode,
  ReadModelCompareReport,
  ReadModelDifference,
  ReadModelReplayView,
  ReplayMode,
  ReplayProgress,
  WardenError,
  credentialGenerationPrefix,
  newReplayView,
  runReplay,
  withReplayRate,
} from '@warden/contracts';
import { EventStore, LogPosition } from '@warden/event-store';
import { GenerationSwap, MessagingLog, stderrMessagingLog } from '@warden/messaging';
import { exportReplayProgress } from '@warden/platform';
import { RedisClient, globEscaped, scanKeys, unlinkKeys } from '@warden/redis';
import { CredentialReadModel } from './credential-read-model';
import { CREDENTIAL_READ_MODEL } from './credential-read-model.projection';

export interface CredentialReplayOptions {
  readModel: CredentialReadModel;
  redis: RedisClient;
  keyPrefix: string;
  store: EventStore;
  log?: MessagingLog;
  /** How long a swapped-out generation is kept for readers that looked up the pointer just before (default 2 s). */
  retireAfterMs?: number;
  /** A run whose status was not updated for this long is taken as dead (its instance stopped). Default 60 s. */
  staleAfterMs?: number;
  clock?: () => Date;
}

// The data keys of a generation, relative to its prefix (the bookkeeping is compared apart);
// `owned-tokens:` sets are written no more, but a generation built by an earlier version has them.
const DATA_PATTERNS = ['credential:*', 'token:*', 'organization-tokens:*', 'owned-tokens:*', 'oauth-client:*'];
/** How often a compare catches up and looks again while the live read model moves. */
const COMPARE_ATTEMPTS = 10;
const SWAP_ATTEMPTS = 20;
const STATUS_KEY = `${CREDENTIAL_READ_MODEL}:replay`;

/**
 * Replays the credential read model from the event store: into a fresh generation beside the live one,
 * caught up with what is appended meanwhile, then swapped in by switching the pointer the
 * verifier reads in its one round trip, so verification never pauses and never sees half a
 * read model. A compare run replays into a scratch generation and reports every difference
 * with the live one instead. The run's status is kept in Redis, so any instance answers it.
 */
export class CredentialReplay {
  private readonly log: MessagingLog;
  private readonly clock: () => Date;
  private running: Promise<void> | undefined;

  constructor(private readonly options: CredentialReplayOptions) {
    this.log = options.log ?? stderrMessagingLog;
    this.clock = options.clock ?? (() => new Date());
    exportReplayProgress('tokens', () => this.status());
  }

  /** Starts a run and answers its first status; a run already going on anywhere is a conflict. */
  async start(mode: ReplayMode): Promise<ReadModelReplayView> {
    const json = await this.options.redis.get(this.options.keyPrefix + STATUS_KEY);
    const current = json === null ? null : (JSON.parse(json) as ReadModelReplayView & { updated_at?: string });
    if (this.running || (current?.state === 'running' && !this.isStale(current))) {
      throw new WardenError(CommonErrorCode.ConcurrencyConflict, 'a replay of the tokens read model is already running');
    }
    const view = newReplayView('tokens', `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`, mode, this.clock());
    await this.save(view);
    this.running = this.run(view).finally(() => {
      this.running = undefined;
    });
    return withReplayRate(view);
  }

  /** The current or last run; null when none ran. */
  async status(): Promise<ReadModelReplayView | null> {
    const json = await this.options.redis.get(this.options.keyPrefix + STATUS_KEY);
    if (json === null) return null;
    const { updated_at: _updatedAt, ...view } = JSON.parse(json) as ReadModelReplayView & { updated_at?: string };
    return view;
  }

  /** Resolves when the run this instance started is over (for tests and the shutdown). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(view: ReadModelReplayView): Promise<void> {
    const { readModel, store } = this.options;
    const generation = view.replay_id;
    const runner = readModel.runnerFor(generation);
    let live = '';
    let last: LogPosition | undefined;
    /** Reads the log after where the replay stopped, into the scratch generation. */
    const catchUp = async (applied: ReplayProgress) => {
      const progress = counted(applied);
      const more = await runner.catchUp(last, progress);
      progress(more.events);
      last = more.last ?? last;
    };
    let lastSaved = 0;
    await runReplay(
      view,
      {
        countEvents: () => store.countAfter(undefined, Number.MAX_SAFE_INTEGER),
        // A generation is a key prefix: nothing to make but the note of which one is live.
        create: async () => {
          live = await readModel.liveGeneration();
        },
        fill: async (applied) => {
          const progress = counted(applied);
          const all = await runner.replayAll(progress);
          progress(all.events);
          last = all.last;
        },
        compare: (applied) => this.compareSettled(live, generation, () => catchUp(applied)),
        swap: async (applied) => {
          let swapped = false;
          for (let attempt = 0; attempt < SWAP_ATTEMPTS && !swapped; attempt++) {
            const outcome: GenerationSwap = await runner.swapIn(readModel.runnerFor(live));
            if (outcome === 'moved') throw new Error('another replay swapped the read model meanwhile');
            swapped = outcome === 'swapped';
            // Events were applied live after the replay's last read: read them too.
            if (!swapped) await catchUp(applied);
          }
          if (!swapped) throw new Error(`the replay did not catch up with the live read model in ${SWAP_ATTEMPTS} attempts`);
          // What the caches hold was read from the generation swapped out.
          await readModel.invalidateCaches();
          this.log('info', 'credential read model replayed and swapped in', { projection: CREDENTIAL_READ_MODEL, generation, replaced: live, events: view.events_done });
          await readModel.liveRunner();
          // Readers that looked the pointer up just before the swap may still read the old one.
          setTimeout(() => {
            this.deleteGeneration(live).catch((error: unknown) => this.log('warn', 'deleting a replaced generation failed', { generation: live, error: String(error) }));
          }, this.options.retireAfterMs ?? 2000).unref();
        },
        // Never the live one: a swap that failed after switching the pointer keeps it.
        drop: async () => {
          if ((await readModel.liveGeneration()) !== generation) await this.deleteGeneration(generation);
        },
      },
      {
        clock: this.clock,
        onProgress: () => {
          if (Date.now() - lastSaved < 250) return;
          lastSaved = Date.now();
          void this.save(view).catch(() => undefined);
        },
      },
    );
    if (view.state === 'failed') this.log('error', 'credential read model replay failed', { projection: CREDENTIAL_READ_MODEL, generation, error: view.error });
    await this.save(view);
  }

  private checkpointKey(generation: string): string {
    return this.options.keyPrefix + credentialGenerationPrefix(generation) + `${CREDENTIAL_READ_MODEL}:checkpoint`;
  }

  /**
   * Compares at one log position: the live read model keeps applying events (a last use
   * flushed, a command) while the scratch one is built and read, so a difference seen while
   * the two checkpoints differ, or while the live one moved during the comparison, may be
   * only that. Then the scratch generation catches up and the comparison runs again; what
   * differs with both at the same position, unmoved, is reported (as is the last attempt's).
   */
  private async compareSettled(live: string, replayed: string, catchUp: () => Promise<void>): Promise<ReadModelCompareReport> {
    const { redis } = this.options;
    let report: ReadModelCompareReport = { compared: 0, differences: [] };
    for (let attempt = 0; attempt < COMPARE_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      await catchUp();
      const before = await redis.get(this.checkpointKey(live));
      report = await this.compare(live, replayed);
      const [after, replayedAt] = await Promise.all([redis.get(this.checkpointKey(live)), redis.get(this.checkpointKey(replayed))]);
      if (report.differences.length === 0 || (before === after && after === replayedAt)) return report;
    }
    return report;
  }

  /** Every data key of the two generations, by name relative to each, and how they differ. */
  private async compare(live: string, replayed: string): Promise<ReadModelCompareReport> {
    const [a, b] = await Promise.all([this.snapshot(live), this.snapshot(replayed)]);
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
    const differences: ReadModelDifference[] = [];
    for (const key of keys) {
      const inLive = a.get(key) ?? null;
      const inReplay = b.get(key) ?? null;
      if (inLive !== inReplay) differences.push({ key, live: inLive, replayed: inReplay });
    }
    return { compared: keys.length, differences };
  }

  private async snapshot(generation: string): Promise<Map<string, string>> {
    const { redis, keyPrefix } = this.options;
    const prefix = keyPrefix + credentialGenerationPrefix(generation);
    const values = new Map<string, string>();
    for (const pattern of DATA_PATTERNS) {
      for (const key of await this.scan(prefix, pattern)) {
        const type = await redis.type(key);
        let value: string;
        if (type === 'string') {
          const [json, expiresAt] = await Promise.all([redis.get(key), redis.call('PEXPIRETIME', key) as Promise<number>]);
          value = expiresAt > 0 ? `${json ?? ''} (expires ${new Date(expiresAt).toISOString()})` : (json ?? '');
        } else if (type === 'set') value = JSON.stringify((await redis.smembers(key)).sort());
        else if (type === 'zset') value = JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'));
        else value = `(${type})`;
        values.set(key.slice(prefix.length), value);
      }
    }
    return values;
  }

  /** Full key names under `prefix` matching `pattern` (a glob relative to it). */
  private scan(prefix: string, pattern: string): Promise<string[]> {
    return scanKeys(this.options.redis, globEscaped(prefix) + pattern);
  }

  /** Removes a generation's keys: its data and its bookkeeping (never the pointer or another generation). */
  private async deleteGeneration(generation: string): Promise<void> {
    const prefix = this.options.keyPrefix + credentialGenerationPrefix(generation);
    // `:v:*`: the version buckets, and any version key of a stream written before them.
    const patterns = generation === '' ? [...DATA_PATTERNS, `${CREDENTIAL_READ_MODEL}:v:*`, `${CREDENTIAL_READ_MODEL}:checkpoint`, `${CREDENTIAL_READ_MODEL}:ready`] : ['*'];
    for (const pattern of patterns) {
      // A generation's keys share the verification tag: one slot, even on a cluster.
      await unlinkKeys(this.options.redis, await this.scan(prefix, pattern), { sameSlot: true });
    }
  }

  private isStale(view: ReadModelReplayView & { updated_at?: string }): boolean {
    return Date.now() - Date.parse(view.updated_at ?? view.started_at) > (this.options.staleAfterMs ?? 60_000);
  }

  private async save(view: ReadModelReplayView): Promise<void> {
    await this.options.redis.set(this.options.keyPrefix + STATUS_KEY, JSON.stringify({ ...withReplayRate(view), updated_at: new Date().toISOString() }));
  }
}

/** A progress that reports running totals (the projection runner's) turned into the increments a replay counts. */
function counted(applied: ReplayProgress): (done: number) => void {
  let reported = 0;
  return (done) => {
    if (done > reported) applied(done - reported);
    reported = Math.max(reported, done);
  };
}
