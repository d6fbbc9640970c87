// The tokens service's scheduler: expiry warnings (`TokenExpiring`, at each lead time the
// token's organization sets), then `TokenExpired`, and tokens disabled after the
// organization's number of days unused. Any number of instances run it; each warning is
// still stored once:
// - one run at a time holds a PostgreSQL advisory lock (the others skip that turn);
// - the token decider gives a warning only while its state has none for that secret and
//   lead time, and an append races on the stream's version like any command;
// - the event's id is derived from the token, the secret and the lead time, so an append of
//   the same warning twice is refused by the store's unique event id.
import {
  DEFAULT_EXPIRY_WARNING_LEAD_SECONDS,
  MAX_EXPIRY_WARNING_LEAD_SECONDS,
  OrganizationPolicyRecord,
  TOKEN_LAST_USED_KEY,
  TokensErrorCode,
  WardenError,
  idempotentId,
  organizationPoliciesKey,
} from '@warden/contracts';
import { DuplicateEventIdError, EventStore } from '@warden/event-store';
import { CommandHandler, loadState } from '@warden/kernel';
import type { RedisClient } from '@warden/redis';
import { Token, TokenCommand, TokenEvent, TokenState, secretIdOf, tokenDecider, tokenStreamId } from '@warden/tokens-domain';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { TokenRecord } from '../credentials/credential-read-model.projection';

export interface TokenExpirySchedulerOptions {
  store: EventStore;
  readModel: CredentialReadModel;
  redis: RedisClient;
  keyPrefix: string;
  /** For the advisory lock that lets one instance run at a time. */
  pool: Pool;
  schema: string;
  clock?: () => Date;
}

/** What one run stored. */
export interface SchedulerRun {
  /** False when another instance held the lock: this one did nothing. */
  ran: boolean;
  warnings: number;
  expired: number;
  disabled: number;
}

export class TokenExpiryScheduler {
  private readonly commands: CommandHandler<TokenCommand, TokenEvent, TokenState>;
  private readonly clock: () => Date;

  constructor(private readonly options: TokenExpirySchedulerOptions) {
    this.commands = new CommandHandler(options.store, tokenDecider, { maxRetries: 5 });
    this.clock = options.clock ?? (() => new Date());
  }

  /** One turn: the due warnings and expiries, then the unused tokens; skipped while another instance runs one. */
  async run(): Promise<SchedulerRun> {
    const session = await this.options.pool.connect();
    const lockKey = `${this.options.schema}.token-expiry-scheduler`;
    try {
      const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
      if (!rows[0]?.locked) return { ran: false, warnings: 0, expired: 0, disabled: 0 };
      try {
        const now = this.clock();
        const policies = await this.policies();
        const { warnings, expired } = await this.expiries(now, policies);
        const disabled = await this.unused(now, policies);
        return { ran: true, warnings, expired, disabled };
      } finally {
        await session.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      session.release();
    }
  }

  private async expiries(now: Date, policies: Map<string, OrganizationPolicyRecord>): Promise<{ warnings: number; expired: number }> {
    let warnings = 0;
    let expired = 0;
    // The longest lead time any organization may set is the window looked at.
    const candidates = await this.options.readModel.tokensExpiringBy(now.getTime() + MAX_EXPIRY_WARNING_LEAD_SECONDS * 1000);
    for (const record of candidates) {
      const policy = policies.get(record.organizationId);
      const leads = policy?.expiryWarningLeadSeconds ?? DEFAULT_EXPIRY_WARNING_LEAD_SECONDS;
      const { state } = await loadState(this.options.store, tokenDecider, tokenStreamId(record.tokenId));
      if (state.status !== 'active') continue;
      const current = state.secrets[state.secrets.length - 1]!;
      const expiresAt = secretExpiry(state, current, policy?.maxTokenLifetimeSeconds ?? null);
      if (expiresAt === null) continue;
      const secretId = secretIdOf(state, current.hash)!;
      const at = now.toISOString();
      if (!(Date.parse(expiresAt) > now.getTime())) {
        expired += await this.once(record, `expired:${secretId}`, { type: 'NoteTokenExpired', secretHash: current.hash, expiresAt, at });
        continue;
      }
      for (const leadSeconds of leads) {
        if (now.getTime() < Date.parse(expiresAt) - leadSeconds * 1000 || state.warnings.includes(`${secretId}:${leadSeconds}`)) continue;
        warnings += await this.once(record, `expiring:${secretId}:${leadSeconds}`, { type: 'WarnTokenExpiring', secretHash: current.hash, expiresAt, leadSeconds, at });
      }
    }
    return { warnings, expired };
  }

  /** Tokens of organizations that disable unused ones, unused (since issue, if never used) for longer than their setting. */
  private async unused(now: Date, policies: Map<string, OrganizationPolicyRecord>): Promise<number> {
    let disabled = 0;
    for (const policy of policies.values()) {
      const days = policy.disableUnusedAfterDays;
      if (days === undefined || days === null) continue;
      const cutoff = now.getTime() - days * 86_400_000;
      const records = (await this.options.readModel.organizationTokens(policy.organizationId)).filter(
        (record) => record.status === 'active' && !record.disabledAt && Date.parse(record.lastUsedAt ?? record.createdAt) < cutoff,
      );
      if (records.length === 0) continue;
      // A use the gateways noted but the tokens service has not recorded yet counts too.
      const pending = await this.options.redis.hmget(this.options.keyPrefix + TOKEN_LAST_USED_KEY, ...records.map((record) => record.tokenId));
      for (const [i, record] of records.entries()) {
        if (pending[i] !== null && Number(pending[i]) >= cutoff) continue;
        disabled += await this.once(record, `unused:${record.lastUsedAt ?? record.createdAt}`, { type: 'DisableToken', at: now.toISOString(), reason: 'unused' });
      }
    }
    return disabled;
  }

  /**
   * Decides and appends one scheduled command under an id derived from what it is about,
   * filed under the token's organization; answers how many events it stored.
   */
  private async once({ tokenId, organizationId }: TokenRecord, what: string, command: TokenCommand): Promise<number> {
    try {
      const metadata = { correlationId: idempotentId(tokenId, `scheduler:${what}`), actorType: 'system', organizationId };
      const result = await this.commands.handle(tokenStreamId(tokenId), command, { metadata, newEventId: eventIds(tokenId, what) });
      await this.options.readModel.applyDecided(result);
      return result.events.length;
    } catch (error) {
      if (error instanceof DuplicateEventIdError) return 0; // the same warning, stored already
      if (error instanceof WardenError && error.code === TokensErrorCode.TokenNotActive) return 0; // revoked meanwhile
      throw error;
    }
  }

  private async policies(): Promise<Map<string, OrganizationPolicyRecord>> {
    const all = await this.options.redis.hgetall(organizationPoliciesKey(this.options.keyPrefix));
    return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as OrganizationPolicyRecord]));
  }
}

/** Event ids derived from the token and what the event is about: the first is the same in every instance. */
function eventIds(tokenId: string, what: string): () => string {
  let n = 0;
  return () => (n++ === 0 ? idempotentId(tokenId, `scheduler:${what}`) : uuidv7());
}

/** When a secret stops working: the token's expiry or the organization's cap on the secret's life, whichever is first. */
export function secretExpiry(token: Token, secret: Token['secrets'][number], maxLifetimeSeconds: number | null): string | null {
  const ends = [token.expiresAt, maxLifetimeSeconds === null ? null : new Date(Date.parse(secret.issuedAt) + maxLifetimeSeconds * 1000).toISOString()]
    .filter((at): at is string => at !== null)
    .map(Date.parse);
  return ends.length === 0 ? null : new Date(Math.min(...ends)).toISOString();
}
