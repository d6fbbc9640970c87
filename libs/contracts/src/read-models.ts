// Replaying a read model from the event store: the service that owns the read
// model rebuilds it into a fresh generation (a key prefix or a table) beside the live one,
// catches up with the events appended meanwhile, then swaps it in atomically. A compare
// run replays into a scratch generation instead and reports every difference with the
// live one (none expected), leaving the live one untouched.
//
// A replay can take minutes, longer than a NATS request may wait, so `replay` starts one
// and answers at once with its status, and `status` answers how far it got; the admin
// route and `tools/replay.mjs` poll `status` until the state is no longer `running`.

import { CommonErrorCode, WardenError } from './errors';
import { RequestContext } from './request-context';
import { VERIFICATION_KEY_TAG } from './verification-keys';

/** The read models that can be replayed, and the service that owns each. */
export const READ_MODELS = {
  /** The credential read model in Redis (tokens and sessions by hash): the tokens service. */
  tokens: 'tokens',
  /** The users listing: the users service. */
  'users-listing': 'users',
  /** The audit log: the audit service. */
  'audit-log': 'audit',
} as const;

export type ReadModelName = keyof typeof READ_MODELS;
export const READ_MODEL_NAMES = Object.keys(READ_MODELS) as ReadModelName[];

export function isReadModelName(value: unknown): value is ReadModelName {
  return typeof value === 'string' && Object.hasOwn(READ_MODELS, value);
}

/**
 * Request-reply subjects (prefixed with NATS_SUBJECT_PREFIX at run time, as every subject).
 * Each is answered by the owning service only; the payload is an `Envelope` whose context
 * carries the caller, and the service refuses anyone but a platform admin (`forbidden`).
 */
export const ReadModelSubjects = {
  /** Payload `ReplayReadModelRequest`; answers `ReadModelReplayView` (the run it started or the one already running). */
  replay: (name: ReadModelName) => `read-models.${name}.replay`,
  /** Payload `{}`; answers `ReadModelReplayView` of the current or last run, or `null` when none ran since start. */
  status: (name: ReadModelName) => `read-models.${name}.status`,
} as const;

/** `swap`: rebuild and swap in (the default). `compare`: rebuild into scratch and report differences. */
export type ReplayMode = 'swap' | 'compare';

export interface ReplayReadModelRequest {
  mode?: ReplayMode;
}

export type ReplayState = 'running' | 'succeeded' | 'failed';

/** One run of a replay, as the services answer it and the admin route shows it. */
export class ReadModelReplayView {
  read_model!: ReadModelName;
  replay_id!: string;
  mode!: ReplayMode;
  state!: ReplayState;
  started_at!: string;
  finished_at!: string | null;
  /** Events applied so far (the catch-up included). */
  events_done!: number;
  /** Events in the store when the run started (the catch-up may add some). */
  events_total!: number;
  events_per_second!: number;
  /** Estimated from the rate so far; null until there is one, 0 once done. */
  seconds_left!: number | null;
  /** Why a failed run failed. */
  error!: string | null;
  /** A compare run's report, once it succeeded. */
  report!: ReadModelCompareReport | null;
}

/** One entry that the live read model and a fresh replay disagree on. */
export class ReadModelDifference {
  /** The entry's name within the read model (a Redis key after the generation, a table row's id). */
  key!: string;
  /** Its value in the live read model, null when missing there. */
  live!: string | null;
  /** Its value in the fresh replay, null when missing there. */
  replayed!: string | null;
}

export class ReadModelCompareReport {
  /** Entries looked at (the union of both sides). */
  compared!: number;
  /** Every difference; empty when the live read model is what the store implies. */
  differences!: ReadModelDifference[];
}

/**
 * Redis key (after REDIS_KEY_PREFIX) of the base generation's ready marker: written when a
 * build completes, absent while the read model is lost (Redis flushed, a new Redis) or being
 * rebuilt. The projection's apply script checks it; verifiers read the generation pointer
 * instead, which is written only once the generation it names is built.
 */
export const CREDENTIAL_READ_MODEL_READY_KEY = `${VERIFICATION_KEY_TAG}credential-read-model:ready`;

/**
 * Redis key (after REDIS_KEY_PREFIX) naming the live generation of the credential read
 * model, and saying it is ready: written only once that generation is built. `''`: the base
 * generation, whose keys sit right under the verification tag (as the first build and a rebuild
 * after a flush write them). Absent: the read model is lost or being rebuilt, and the
 * verifier asks the tokens service instead of trusting what Redis holds. A replay builds
 * generation `<g>` under `credentialGenerationPrefix(g)` and switches this key to it.
 */
export const CREDENTIAL_READ_MODEL_GENERATION_KEY = `${VERIFICATION_KEY_TAG}credential-read-model:generation`;

/**
 * Where (after REDIS_KEY_PREFIX) a generation's keys live: right under the verification tag
 * for the base generation (`''`), beside it for another.
 */
export const credentialGenerationPrefix = (generation: string) =>
  generation === '' ? VERIFICATION_KEY_TAG : `${VERIFICATION_KEY_TAG}credential-read-model:gen:${generation}:`;

/**
 * Internal request-reply subject of the tokens service: a verification decided from its
 * event store, for the gateway while the credential read model is not ready. Payload
 * `Envelope<VerifyTokenBody>`; answers the verifier's `VerificationResult` (with the
 * principal when it is ok), decided by the same rules as the Redis path.
 */
export const CREDENTIAL_VERIFY_FROM_STORE_SUBJECT = 'tokens.credentials.verify-from-store';

/**
 * Who may replay a read model: the platform admin (through the gateway's admin route) or a
 * `system` caller without a principal (`npm run replay`, on the deployment's private NATS).
 */
export function requireReplayOperator(context: RequestContext): void {
  const operator = context.principal ? context.principal.platformAdmin === true : context.actorType === 'system';
  if (!operator) throw new WardenError(CommonErrorCode.Forbidden, 'Only the platform admin replays read models');
}

/** The mode a replay request asks for (`swap` when absent); anything else is refused. */
export function replayModeOf(request: ReplayReadModelRequest | null | undefined): ReplayMode {
  const mode = request?.mode ?? 'swap';
  if (mode !== 'swap' && mode !== 'compare') {
    throw new WardenError(CommonErrorCode.ValidationFailed, 'mode must be swap or compare', [{ field: 'mode', message: 'must be swap or compare' }]);
  }
  return mode;
}

/** A run's view with its rate and time left worked out as of `now` (0 left once it is over). */
export function withReplayRate(view: ReadModelReplayView, now = Date.now()): ReadModelReplayView {
  const end = view.finished_at ? Date.parse(view.finished_at) : now;
  const seconds = Math.max(0.001, (end - Date.parse(view.started_at)) / 1000);
  const rate = view.events_done / seconds;
  const left = Math.max(0, view.events_total - view.events_done);
  return {
    ...view,
    events_per_second: Math.round(rate),
    seconds_left: view.state !== 'running' ? 0 : rate > 0 ? Math.ceil(left / rate) : null,
  };
}

/**
 * One read model's replays in this process, for a service that runs them in the background:
 * the current or last run, and at most one running at a time. A run `track`s its view before
 * its first await, so `start` answers the run it started.
 */
export class ReplayRuns {
  private current: ReadModelReplayView | null = null;

  /** The current or last run; null when none ran since start. */
  status(): ReadModelReplayView | null {
    return this.current && withReplayRate(this.current);
  }

  /** Makes `view` the current run. */
  track(view: ReadModelReplayView): void {
    this.current = view;
  }

  /**
   * Starts `run` in the background unless one is running (a run that has answered may still
   * be dropping its scratch tables: that is no reason not to start the next), and answers
   * the current run.
   */
  start(run: () => Promise<unknown>): ReadModelReplayView | null {
    if (this.current?.state !== 'running') run().catch(() => undefined);
    return this.status();
  }
}

/** The view of a run that starts now: nothing done, nothing counted yet. */
export function newReplayView(readModel: ReadModelReplayView['read_model'], replayId: string, mode: ReplayMode, startedAt: Date): ReadModelReplayView {
  return {
    read_model: readModel,
    replay_id: replayId,
    mode,
    state: 'running',
    started_at: startedAt.toISOString(),
    finished_at: null,
    events_done: 0,
    events_total: 0,
    events_per_second: 0,
    seconds_left: null,
    error: null,
    report: null,
  };
}

/** Counts events as a replay applies them, `count` at a time. */
export type ReplayProgress = (count: number) => void;

/**
 * What one read model brings to a replay: a scratch generation beside the live one, filled
 * from the log while the live one keeps serving, then swapped in or compared with it. Where
 * the generation lives (tables, a Redis key prefix) and how a swap stays atomic for readers
 * is the read model's own; the run around it is `runReplay`'s.
 */
export interface ReplayGeneration {
  /** Events a whole replay reads, for the run's progress. */
  countEvents(): Promise<number>;
  /** Makes the empty scratch generation. */
  create(): Promise<void>;
  /** The bulk of the work: everything in the log so far, with the live read model serving. */
  fill(applied: ReplayProgress): Promise<void>;
  /** Catches up with what was appended meanwhile and puts the scratch generation in place of the live one. */
  swap(applied: ReplayProgress): Promise<void>;
  /** Catches up and reports every difference between the live generation and the scratch one. */
  compare(applied: ReplayProgress): Promise<ReadModelCompareReport>;
  /** Removes the scratch generation (after a compare, or a failure); never the live one. */
  drop(): Promise<void>;
}

/**
 * Runs one replay on `view` (updated in place as it goes, for whoever shows its status):
 * count, create, fill, then swap or compare; a compare's or a failed run's scratch
 * generation is dropped before the run shows as finished, so a client seeing it finished may
 * start the next at once. Never throws: a failure is the view's `failed` state and `error`.
 */
export async function runReplay(
  view: ReadModelReplayView,
  generation: ReplayGeneration,
  options: { clock?: () => Date; onProgress?: (view: ReadModelReplayView) => void } = {},
): Promise<ReadModelReplayView> {
  const applied: ReplayProgress = (count) => {
    view.events_done += count;
    options.onProgress?.(view);
  };
  const outcome: Pick<ReadModelReplayView, 'state' | 'error' | 'report'> = { state: 'succeeded', error: null, report: null };
  try {
    view.events_total = await generation.countEvents();
    await generation.create();
    await generation.fill(applied);
    if (view.mode === 'compare') outcome.report = await generation.compare(applied);
    else await generation.swap(applied);
  } catch (error) {
    outcome.state = 'failed';
    outcome.error = error instanceof Error ? error.message : String(error);
  }
  if (view.mode === 'compare' || outcome.state === 'failed') await generation.drop().catch(() => undefined);
  // Events appended while the run went on are done too.
  Object.assign(view, outcome, { events_total: Math.max(view.events_total, view.events_done), finished_at: (options.clock ?? (() => new Date()))().toISOString() });
  return withReplayRate(view);
}
