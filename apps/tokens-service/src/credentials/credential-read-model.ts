import { ownedTokensKey } from '@warden/contracts';
import { EventStore, RecordedEvent } from '@warden/event-store';
import { MessagingLog, RedisProjectionRunner, stderrMessagingLog } from '@warden/messaging';
import type { HealthCheck } from '@warden/platform';
import type { Redis } from 'ioredis';
import { CREDENTIAL_READ_MODEL, TokenRecord, credentialReadModelProjection, organizationTokensKey, tokenRecordKey } from './credential-read-model.projection';

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
 */
export class CredentialReadModel {
  readonly runner: RedisProjectionRunner;
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly store: EventStore;
  private readonly log: MessagingLog;

  constructor(options: CredentialReadModelOptions) {
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
    this.store = options.store;
    this.log = options.log ?? stderrMessagingLog;
    this.runner = new RedisProjectionRunner({
      redis: options.redis,
      store: options.store,
      projection: credentialReadModelProjection(options.keyPrefix, options.store),
      log: this.log,
    });
  }

  /** Rebuilds from the store when the ready marker is gone; true when it did. */
  async ensureBuilt(): Promise<boolean> {
    if (await this.runner.isReady()) return false;
    this.log('warn', 'credential read model missing; rebuilding from the event store', { projection: CREDENTIAL_READ_MODEL });
    await this.runner.rebuild();
    return true;
  }

  /**
   * Applies a stream's recorded events (all of them: a session has two at most, and an
   * event applied before is skipped), so a command retried after a failed apply still
   * leaves the read model right even when it decided nothing new.
   */
  async applyStream(streamId: string): Promise<void> {
    for (const event of await this.store.readStream(streamId)) await this.runner.handle(event);
  }

  /**
   * Applies the events of a stream the read model does not hold yet (from the version it
   * recorded on), in order: what a token command does before it answers. A token's stream
   * grows with its uses, so unlike `applyStream` it does not re-read what was applied.
   */
  async applyNewEvents(streamId: string): Promise<void> {
    const applied = Number((await this.redis.get(`${this.keyPrefix}${CREDENTIAL_READ_MODEL}:v:${streamId}`)) ?? '0');
    for (const event of await this.store.readStream(streamId, { fromVersion: applied + 1 })) await this.runner.handle(event);
  }

  async token(tokenId: string): Promise<TokenRecord | null> {
    const json = await this.redis.get(this.keyPrefix + tokenRecordKey(tokenId));
    return json === null ? null : (JSON.parse(json) as TokenRecord);
  }

  /** Every token of an organization, oldest first. */
  async organizationTokens(organizationId: string): Promise<TokenRecord[]> {
    const ids = await this.redis.zrange(this.keyPrefix + organizationTokensKey(organizationId), 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keyPrefix + tokenRecordKey(id)));
    return values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as TokenRecord);
  }

  isReady(): Promise<boolean> {
    return this.runner.isReady();
  }

  apply(event: RecordedEvent): Promise<unknown> {
    return this.runner.handle(event);
  }

  /** API tokens a user owns, from the read model's per-owner index (filled by token events). */
  async countOwnedTokens(userId: string): Promise<number> {
    return this.redis.scard(this.keyPrefix + ownedTokensKey(userId));
  }

  healthCheck(): HealthCheck {
    return {
      name: CREDENTIAL_READ_MODEL,
      check: async () => {
        const status = this.runner.status();
        if (status.rebuilding) return { status: 'degraded', detail: 'rebuilding from the event store' };
        if (!(await this.runner.isReady())) {
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
