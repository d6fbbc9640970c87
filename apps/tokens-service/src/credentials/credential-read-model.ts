import { CREDENTIAL_READ_MODEL_GENERATION_KEY, credentialGenerationPrefix, verificationCacheKeys } from '@warden/contracts';
import { EventStore, LogPosition, RecordedEvent } from '@warden/event-store';
import { MessagingLog, ProjectionGenerationMovedError, ProjectionOutcome, RedisProjectionRunner, WrittenInvalidation, stderrMessagingLog } from '@warden/messaging';
import { TOKEN_STREAM_PREFIX, TokenEvent } from '@warden/tokens-domain';
import type { HealthCheck } from '@warden/platform';
import { RedisClient } from '@warden/redis';
import { CacheInvalidations, invalidationSubject } from '@warden/token-verifier';
import {
  CREDENTIAL_READ_MODEL,
  OAuthClientViewRecord,
  TokenRecord,
  oauthClientViewKey,
  credentialInvalidations,
  credentialReadModelProjection,
  TOKEN_EXPIRIES_KEY,
  organizationTokensKey,
  ownerTokensKey,
  tokenListingKeys,
  tokenOwnersKey,
  tokenRecordIn,
  tokenRecordKey,
  tokenStreamOps,
} from './credential-read-model.projection';
import { decodeTokenRecord } from './token-record-codec';

/** A page of a token listing: an organization's tokens, or one owner's there, or the revoked ones of either. */
export interface TokenPageQuery {
  organizationId: string;
  ownerId?: string;
  revoked?: boolean;
  offset: number;
  count: number;
}

// Events a replay reads and applies per page (one query, one Redis pipeline).
const REPLAY_PAGE = 2_000;
// Applies overtaken by a generation swap that are made again on the new live one.
const GENERATION_MOVED_RETRIES = 5;

/** What a token command decided on and appended: its CommandResult, as far as the read model needs it. */
export interface DecidedTokenStream {
  streamId: string;
  /** The whole stream before the command, from version 1. */
  history: readonly RecordedEvent[];
  events: readonly TokenEvent[];
  version: number;
  position: LogPosition | undefined;
}

export interface CredentialReadModelOptions {
  redis: RedisClient;
  /** REDIS_KEY_PREFIX: the verifier reads the same keys. */
  keyPrefix: string;
  store: EventStore;
  log?: MessagingLog;
  /**
   * The verification caches' side of a command: after a change that may reduce what a
   * credential does, the command answers only once no cache serves what it changed.
   */
  invalidations?: CacheInvalidations;
}

/**
 * The tokens service's side of the credential read model: a command applies its own
 * events here before it answers (so a new session verifies at once and an ended one is
 * refused at once); the JetStream consumer applies them again as a safety net for an
 * instance that crashed in between, which the projection's version check makes a no-op.
 * A lost read model (Redis flushed) is rebuilt from the event store, at start and
 * whenever it is found missing.
 *
 * The read model is kept in generations (see CREDENTIAL_READ_MODEL_GENERATION_KEY): a
 * replay builds a new one beside the live one and switches the pointer. Every read and
 * apply here follows the pointer, and an apply that lands on a generation just swapped
 * out is refused by the projection's script and made again on the live one.
 */
export class CredentialReadModel {
  private readonly redis: RedisClient;
  private readonly keyPrefix: string;
  private readonly store: EventStore;
  private readonly log: MessagingLog;
  private live: { generation: string; runner: RedisProjectionRunner };
  private readonly invalidations: CacheInvalidations | undefined;

  constructor(options: CredentialReadModelOptions) {
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
    this.store = options.store;
    this.log = options.log ?? stderrMessagingLog;
    this.invalidations = options.invalidations;
    this.live = { generation: '', runner: this.runnerFor('') };
  }

  /** The runner of the generation last seen live (the base one until a replay swapped another in). */
  get runner(): RedisProjectionRunner {
    return this.live.runner;
  }

  /** Full Redis key of the pointer to the live generation. */
  get generationKey(): string {
    return this.keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY;
  }

  /** A runner writing generation `generation` (not necessarily the live one). */
  runnerFor(generation: string): RedisProjectionRunner {
    return new RedisProjectionRunner({
      redis: this.redis,
      store: this.store,
      projection: credentialReadModelProjection(this.keyPrefix + credentialGenerationPrefix(generation), this.store),
      log: this.log,
      generation: { pointerKey: this.generationKey, id: generation },
      rebuildBatchSize: REPLAY_PAGE,
      // Whoever applies an event that reduces a credential (a command, or the consumer after an
      // instance died before its apply) tells the verification caches in the same script.
      verificationCaches: verificationCacheKeys(this.keyPrefix),
    });
  }

  /** The live generation ('' for the base one), as the pointer says now. */
  async liveGeneration(): Promise<string> {
    return (await this.redis.get(this.generationKey)) ?? '';
  }

  /** The runner of the live generation, following the pointer. */
  async liveRunner(): Promise<RedisProjectionRunner> {
    const generation = await this.liveGeneration();
    if (generation !== this.live.generation) this.live = { generation, runner: this.runnerFor(generation) };
    return this.live.runner;
  }

  /** Rebuilds from the store when the ready marker is gone; true when it did. */
  async ensureBuilt(): Promise<boolean> {
    const runner = await this.liveRunner();
    const rebuilding = !(await runner.isReady());
    if (rebuilding) {
      this.log('warn', 'credential read model missing; rebuilding from the event store', { projection: CREDENTIAL_READ_MODEL });
      await runner.rebuild();
    }
    // Verifiers take the pointer's presence for "built" (one read fewer per verification):
    // a base generation built here, or by an apply that found the read model lost, is named
    // only now. NX: a replay that swapped another generation in meanwhile keeps its pointer.
    await this.redis.set(this.generationKey, '', 'NX');
    return rebuilding;
  }

  /**
   * Applies a stream's recorded events (all of them: a session has two at most, and an
   * event applied before is skipped), so a command retried after a failed apply still
   * leaves the read model right even when it decided nothing new.
   */
  async applyStream(streamId: string): Promise<void> {
    const events = await this.store.readStream(streamId);
    for (const event of events) await this.apply(event);
    await this.awaitCaches(streamId, events.map((event) => event.type));
  }

  /**
   * Applies the events of a stream the read model does not hold yet (from the version it
   * recorded on), in order: what a token command does before it answers. A token's stream
   * grows with its uses, so unlike `applyStream` it does not re-read what was applied.
   */
  async applyNewEvents(streamId: string): Promise<void> {
    const runner = await this.liveRunner();
    const applied = await runner.appliedVersion(streamId);
    for (const event of await this.store.readStream(streamId, { fromVersion: applied + 1 })) await this.applyToLive(event);
  }

  /**
   * Applies what a token command just appended from what the command holds, without
   * reading the stream back: the ops of the token's state after its last new event, once,
   * at that event's version and position (they set everything that state implies, so the
   * events before it need no apply of their own; the version check skips it where a later
   * version is applied). A command that appended nothing applies what the stream holds.
   * Answers the token's record as those ops wrote it (for the command's answer, read back
   * from nothing), or null when it applied what the stream holds.
   */
  async applyDecided(decided: DecidedTokenStream): Promise<TokenRecord | null> {
    const { streamId, history, events, version, position } = decided;
    const first = version - events.length + 1;
    const whole = history.every((event, i) => event.version === i + 1) && history.length + 1 === first;
    const types = events.map((event) => event.type);
    let record: TokenRecord | null = null;
    let written: WrittenInvalidation | undefined;
    if (events.length === 0 || position === undefined || !whole || !streamId.startsWith(TOKEN_STREAM_PREFIX)) {
      await this.applyNewEvents(streamId);
    } else {
      const ops = tokenStreamOps(history, events);
      ({ invalidation: written } = await this.onLive((runner) => runner.applyOps({ streamId, version, position }, ops, credentialInvalidations(streamId, types))));
      record = tokenRecordIn(ops, streamId.slice(TOKEN_STREAM_PREFIX.length));
    }
    await this.awaitCaches(streamId, types, written);
    return record;
  }

  /**
   * Answers once no verification cache serves what these events of the stream changed: every
   * lease holder has applied the invalidation the apply's script wrote with the change
   * (`written`), or, where that apply did not write one (an event applied before, by the
   * consumer; caches whose epoch was lost), one published now, later in the log.
   */
  private async awaitCaches(streamId: string, types: readonly string[], written?: WrittenInvalidation): Promise<void> {
    const subjects = credentialInvalidations(streamId, types);
    if (subjects.length > 0) await this.invalidations?.invalidate(subjects, written);
  }

  /** Every verification cache drops everything (a replay swapped a new generation in); answers once none serves what it held. */
  async invalidateCaches(): Promise<void> {
    await this.invalidations?.invalidate([invalidationSubject.everything]);
  }

  async token(tokenId: string): Promise<TokenRecord | null> {
    const stored = await this.redis.get((await this.liveRunner()).key(tokenRecordKey(tokenId)));
    return stored === null ? null : decodeTokenRecord(tokenId, stored);
  }

  /** An account's OAuth client as its route shows it; null when the account has none. */
  async oauthClientView(accountId: string): Promise<OAuthClientViewRecord | null> {
    const json = await this.redis.get((await this.liveRunner()).key(oauthClientViewKey(accountId)));
    return json === null ? null : (JSON.parse(json) as OAuthClientViewRecord);
  }

  /** The tokens that work and expire by `until` (epoch ms), soonest first: from the expiry index, whatever their organization. */
  async tokensExpiringBy(until: number): Promise<TokenRecord[]> {
    const runner = await this.liveRunner();
    const ids = await this.redis.zrangebyscore(runner.key(TOKEN_EXPIRIES_KEY), '-inf', until);
    return this.records(runner, ids);
  }

  /** Every token of an organization, oldest first. */
  async organizationTokens(organizationId: string): Promise<TokenRecord[]> {
    const runner = await this.liveRunner();
    const ids = await this.redis.zrange(runner.key(organizationTokensKey(organizationId)), 0, -1);
    return this.records(runner, ids);
  }

  /**
   * One page of an organization's tokens (or of one owner's there, or the revoked ones of
   * either), newest first, and how many the listing holds: the page is cut from the listing
   * indexes the projection keeps (`tokenListingKeys`) in one pipeline, then its records read in
   * one MGET, whatever the organization's size and the page.
   */
  async tokenPage(query: TokenPageQuery): Promise<{ total: number; records: TokenRecord[] }> {
    const runner = await this.liveRunner();
    const scope = query.ownerId === undefined ? organizationTokensKey(query.organizationId) : ownerTokensKey(query.organizationId, query.ownerId);
    const keys = tokenListingKeys(runner.key(scope));
    const key = query.revoked ? keys.revoked : keys.all;
    const [[, total], [, ids]] = (await this.redis
      .multi()
      .zcard(key)
      .zrevrange(key, query.offset, query.offset + query.count - 1)
      .exec()) as [[Error | null, number], [Error | null, string[]]];
    return { total, records: await this.records(runner, ids) };
  }

  /**
   * Every token the given owners hold in an organization, newest first (their listing
   * indexes, then the records): what a team-scoped listing filters, which grows with the
   * tokens of those owners, not with the organization's.
   */
  async ownersTokens(organizationId: string, ownerIds: readonly string[]): Promise<TokenRecord[]> {
    if (ownerIds.length === 0) return [];
    const runner = await this.liveRunner();
    const scored = await Promise.all(ownerIds.map((owner) => this.redis.zrange(runner.key(ownerTokensKey(organizationId, owner)), 0, -1, 'WITHSCORES')));
    const entries: { id: string; score: number }[] = [];
    for (const flat of scored) for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i]!, score: Number(flat[i + 1]) });
    // The order of the organization's index, newest first: by creation, then by id as Redis breaks ties.
    entries.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return this.records(runner, entries.map(({ id }) => id));
  }

  /** The records of these tokens in a generation, in their order; a token without one (evicted meanwhile) is left out. */
  private async records(runner: RedisProjectionRunner, ids: readonly string[]): Promise<TokenRecord[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => runner.key(tokenRecordKey(id))));
    const records: TokenRecord[] = [];
    values.forEach((value, i) => {
      if (value !== null) records.push(decodeTokenRecord(ids[i]!, value));
    });
    return records;
  }

  /** The accounts that own or owned tokens in an organization (from the projection's owner index). */
  async tokenOwners(organizationId: string): Promise<string[]> {
    return this.redis.smembers((await this.liveRunner()).key(tokenOwnersKey(organizationId)));
  }

  /** Built, as the verifiers see it: a generation is named live and its build completed. */
  async isReady(): Promise<boolean> {
    if ((await this.redis.get(this.generationKey)) === null) return false;
    return (await this.liveRunner()).isReady();
  }

  /**
   * Applies an event to the live generation (again to the new one if a swap overtook it).
   * A token event applied already (the JetStream redelivery of what its command applied
   * before answering) is skipped after one read, without folding its stream from the store.
   */
  async apply(event: RecordedEvent): Promise<ProjectionOutcome> {
    if (event.streamId.startsWith(TOKEN_STREAM_PREFIX) && (await this.live.runner.hasApplied(event))) return 'skipped';
    return this.applyToLive(event);
  }

  private applyToLive(event: RecordedEvent): Promise<ProjectionOutcome> {
    return this.onLive((runner) => runner.handle(event));
  }

  /**
   * Runs an apply on the generation last seen live, without reading the pointer first: the
   * apply script refuses a generation swapped out, and the apply is then made again on the
   * one the pointer names.
   */
  private async onLive<T>(apply: (runner: RedisProjectionRunner) => Promise<T>): Promise<T> {
    let runner = this.live.runner;
    for (let attempt = 0; ; attempt++) {
      try {
        return await apply(runner);
      } catch (error) {
        if (!(error instanceof ProjectionGenerationMovedError) || attempt >= GENERATION_MOVED_RETRIES) throw error;
        runner = await this.liveRunner();
      }
    }
  }

  /**
   * API tokens a user owns in an organization and has not revoked: its listing index's tokens
   * less its revoked ones, read in one transaction.
   */
  async countOwnedTokens(organizationId: string, userId: string): Promise<number> {
    const keys = tokenListingKeys((await this.liveRunner()).key(ownerTokensKey(organizationId, userId)));
    const [[, all], [, revoked]] = (await this.redis.multi().zcard(keys.all).zcard(keys.revoked).exec()) as [[Error | null, number], [Error | null, number]];
    return all - revoked;
  }

  healthCheck(): HealthCheck {
    return {
      name: CREDENTIAL_READ_MODEL,
      check: async () => {
        const runner = await this.liveRunner();
        const status = runner.status();
        if (status.rebuilding) return { status: 'degraded', detail: 'rebuilding from the event store' };
        if (!(await this.isReady())) {
          // Found lost (Redis flushed): start the rebuild now rather than at the next command.
          void this.ensureBuilt().catch(() => undefined);
          return { status: 'degraded', detail: 'read model missing; rebuilding from the event store' };
        }
        const last = status.lastRebuild;
        return {
          status: 'up',
          detail: last ? `rebuilt at ${last.finishedAt} from ${last.events} events` : 'ready',
        };
      },
    };
  }
}
