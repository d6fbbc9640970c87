import { CREDENTIAL_READ_MODEL_GENERATION_KEY, credentialGenerationPrefix, ownedTokensKey } from '@warden/contracts';
import { EventStore, RecordedEvent } from '@warden/event-store';
import { MessagingLog, ProjectionGenerationMovedError, ProjectionOutcome, RedisProjectionRunner, stderrMessagingLog } from '@warden/messaging';
import type { HealthCheck } from '@warden/platform';
import type { Redis } from 'ioredis';
import { CREDENTIAL_READ_MODEL, TokenRecord, credentialReadModelProjection, organizationTokensKey, tokenRecordKey } from './credential-read-model.projection';

// Events a replay reads and applies per page (one query, one Redis pipeline).
const REPLAY_PAGE = 2_000;

export interface CredentialReadModelOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX: the verifier reads the same keys. */
  keyPrefix: string;
  store: EventStore;
  log?: MessagingLog;
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
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly store: EventStore;
  private readonly log: MessagingLog;
  private live: { generation: string; runner: RedisProjectionRunner };

  constructor(options: CredentialReadModelOptions) {
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
    this.store = options.store;
    this.log = options.log ?? stderrMessagingLog;
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
    if (await runner.isReady()) return false;
    this.log('warn', 'credential read model missing; rebuilding from the event store', { projection: CREDENTIAL_READ_MODEL });
    await runner.rebuild();
    return true;
  }

  /**
   * Applies a stream's recorded events (all of them: a session has two at most, and an
   * event applied before is skipped), so a command retried after a failed apply still
   * leaves the read model right even when it decided nothing new.
   */
  async applyStream(streamId: string): Promise<void> {
    for (const event of await this.store.readStream(streamId)) await this.apply(event);
  }

  /**
   * Applies the events of a stream the read model does not hold yet (from the version it
   * recorded on), in order: what a token command does before it answers. A token's stream
   * grows with its uses, so unlike `applyStream` it does not re-read what was applied.
   */
  async applyNewEvents(streamId: string): Promise<void> {
    const runner = await this.liveRunner();
    const applied = Number((await this.redis.get(runner.key(`${CREDENTIAL_READ_MODEL}:v:${streamId}`))) ?? '0');
    for (const event of await this.store.readStream(streamId, { fromVersion: applied + 1 })) await this.apply(event);
  }

  async token(tokenId: string): Promise<TokenRecord | null> {
    const json = await this.redis.get((await this.liveRunner()).key(tokenRecordKey(tokenId)));
    return json === null ? null : (JSON.parse(json) as TokenRecord);
  }

  /** Every token of an organization, oldest first. */
  async organizationTokens(organizationId: string): Promise<TokenRecord[]> {
    const runner = await this.liveRunner();
    const ids = await this.redis.zrange(runner.key(organizationTokensKey(organizationId)), 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => runner.key(tokenRecordKey(id))));
    return values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as TokenRecord);
  }

  async isReady(): Promise<boolean> {
    return (await this.liveRunner()).isReady();
  }

  /** Applies an event to the live generation (again to the new one if a swap overtook it). */
  async apply(event: RecordedEvent): Promise<ProjectionOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (await this.liveRunner()).handle(event);
      } catch (error) {
        if (!(error instanceof ProjectionGenerationMovedError) || attempt >= 5) throw error;
      }
    }
  }

  /** API tokens a user owns, from the read model's per-owner index (filled by token events). */
  async countOwnedTokens(userId: string): Promise<number> {
    return this.redis.scard((await this.liveRunner()).key(ownedTokensKey(userId)));
  }

  healthCheck(): HealthCheck {
    return {
      name: CREDENTIAL_READ_MODEL,
      check: async () => {
        const runner = await this.liveRunner();
        const status = runner.status();
        if (status.rebuilding) return { status: 'degraded', detail: 'rebuilding from the event store' };
        if (!(await runner.isReady())) {
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
