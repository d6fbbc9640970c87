import { Principal } from '@warden/access';
import {
  CommonErrorCode,
  Envelope,
  ExchangeTokenRequest,
  IssueTokenBody,
  IssuedTokenView,
  LeakReportAnswer,
  ListTokensQuery,
  OrganizationPolicyRecord,
  PageSlice,
  PrincipalRecord,
  ReassignTokenBody,
  ReportLeakedTokenBody,
  RequestContext,
  RotateTokenBody,
  ScannerAlertRequest,
  ScannerAlertVerdict,
  TOKEN_LAST_USED_KEY,
  TokenIntrospection,
  TokenRequest,
  TokenView,
  TokensErrorCode,
  UpdateTokenBody,
  UpdateTokenRequest,
  VerifyTokenBody,
  plainVerifyTokenBody,
  WardenError,
  durationSeconds,
  parseSecret,
  secretHash,
  secretLastFour,
} from '@warden/contracts';
import { EventMetadata, EventStore } from '@warden/event-store';
import { CommandHandler, CommandResult, LoadedStream, createOnce, createdId, eventMetadataFrom, loadState } from '@warden/kernel';
import { LeaseFencedCache, TokenUseRecorder, VerificationResult, introspectionOf, prepareCredentialVerifier, verifyCredential } from '@warden/token-verifier';
import {
  RandomBytes,
  TokenCommand,
  TokenEvent,
  TokenOwner,
  TokenPolicyChanges,
  TokenState,
  generateSecret,
  tokenDecider,
  tokenStreamId,
} from '@warden/tokens-domain';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import type { Result } from 'ioredis';
import type { KeyObject } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { countCredentialVerification, exportVerificationMetrics, validateDto } from '@warden/platform';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { CredentialStoreVerification } from '../credentials/credential-store-verification';
import { TokenRecord } from '../credentials/credential-read-model.projection';
import { PrincipalRecords } from '../owners/principal-records';
import { assertScannerSignature, parseScannerAlert } from './scanner-alert';
import { callerOf, requireTokenPermission } from './token-authorization';
import { TokenStatusContext, decidedTokenRecord, toTokenView, tokenStatus, withSecret } from './token-view';

export interface TokensServiceOptions {
  store: EventStore;
  readModel: CredentialReadModel;
  redis: RedisClient;
  keyPrefix: string;
  randomBytes: RandomBytes;
  /** Lifetime of a token from the login-key exchange, before the organization's cap. */
  exchangedTokenLifetimeSeconds: number;
  /** Decides verifications while the read model is lost or being rebuilt. */
  storeVerification: CredentialStoreVerification;
  clock?: () => Date;
  /** The secret scanners' public keys by key id (ECDSA P-256); none: every scanner alert is refused. */
  scannerKeys?: ReadonlyMap<string, KeyObject>;
  /** The lease-fenced cache `verify` decides from (VERIFICATION_CACHE). */
  cache?: LeaseFencedCache;
}

/** A token command's result, and the token's record as its apply wrote it (null when it applied what the stream holds). */
type DecidedToken = CommandResult<TokenEvent, TokenState> & { applied: TokenRecord | null };

const TAKE_TOKEN_USE = loadRedisScript(__dirname, 'take-token-use-1.lua');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    wardenTakeTokenUse(lastUsedKey: string, tokenId: string, usedAt: string): Result<number, Context>;
  }
}

/**
 * API tokens: issue, list, read, revoke, rotate, reassign, exchange and verify. Every
 * command answers only after the credential read model applied its events, so from the
 * answer on no verification anywhere accepts a revoked (or rotated-out) secret.
 */
export class TokensService {
  private readonly commands: CommandHandler<TokenCommand, TokenEvent, TokenState>;
  private readonly clock: () => Date;
  /** Uses of API tokens verified over NATS, noted as the gateways note theirs. */
  private readonly uses: TokenUseRecorder;
  private readonly principals: PrincipalRecords;

  constructor(private readonly options: TokensServiceOptions) {
    this.commands = new CommandHandler(options.store, tokenDecider, { maxRetries: 5 });
    this.clock = options.clock ?? (() => new Date());
    prepareCredentialVerifier(options.redis);
    this.uses = new TokenUseRecorder(options.redis, options.keyPrefix);
    this.principals = new PrincipalRecords(options.redis, options.keyPrefix);
    exportVerificationMetrics('nats');
    defineRedisScripts(options.redis, [TAKE_TOKEN_USE]);
  }

  async issue(envelope: Envelope<unknown>): Promise<IssuedTokenView> {
    const caller = callerOf(envelope.context);
    const body = await validateDto(IssueTokenBody, envelope.payload);
    // Both read together (one round trip with auto-pipelining); the answer's status is decided on them too.
    const [found, policy] = await Promise.all([this.principal(body.user_id), this.principals.policy(caller.organizationId)]);
    // Issued in the caller's organization: an account of another one is as unknown as no account.
    const owner = found?.organizationId === caller.organizationId ? found : null;
    requireTokenPermission(caller, 'tokens:write', { organizationId: caller.organizationId, ownerTeams: owner?.teams ?? [] });
    return this.mint(envelope.context, 'tokens.issue', caller, { owner, policy }, {
      name: body.name,
      visibility: body.visibility ?? 'private',
      allowedOrigins: body.allowed_origins ?? [],
      expiresAt: body.expires_at ?? null,
      permissions: body.permissions ?? null,
      ...(hasPolicy(body) && { policy: policyChangesOf(body) }),
    });
  }

  /** PATCH /tokens/:id: the description, metadata or usage policy; within the caller's permissions, as any token write. */
  async update(envelope: Envelope<UpdateTokenRequest>): Promise<TokenView> {
    const { id, ...rest } = envelope.payload;
    const body = await validateDto(UpdateTokenBody, rest);
    const { caller, owner, policy, loaded } = await this.writable(envelope.context, id);
    const decided = await this.run(
      envelope.context,
      id,
      { type: 'ChangeTokenPolicy', changes: policyChangesOf(body), at: this.clock().toISOString(), changedBy: caller, owner: toOwner(owner) },
      { loaded },
    );
    return this.decidedView(decided, { owner, policy });
  }

  /**
   * The login-key exchange: the login key that authenticated the request, for a long-lived
   * token of the same account. Tokens belong only to service accounts, so a human's login
   * cannot be exchanged; the lifetime is capped by the organization's setting.
   */
  async exchange(envelope: Envelope<ExchangeTokenRequest>): Promise<IssuedTokenView> {
    const caller = callerOf(envelope.context);
    const credential = envelope.context.principal!.credential;
    if (credential.kind !== 'session') {
      throw new WardenError(TokensErrorCode.TokenExchangeNotAllowed, 'only a login session key can be exchanged for a token');
    }
    if (caller.accountType === 'user') {
      throw new WardenError(TokensErrorCode.TokenExchangeNotAllowed, 'tokens belong only to service accounts; log in as one to exchange its key');
    }
    const [owner, policy] = await Promise.all([this.principal(caller.userId), this.principals.policy(caller.organizationId)]);
    const now = this.clock();
    const lifetime = Math.min(this.options.exchangedTokenLifetimeSeconds, policy?.maxTokenLifetimeSeconds ?? Number.POSITIVE_INFINITY);
    return this.mint(
      envelope.context,
      'tokens.exchange',
      caller,
      { owner, policy },
      {
        name: `exchanged login ${credential.id}`,
        visibility: 'private',
        allowedOrigins: [],
        expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString(),
        permissions: null,
      },
      now,
    );
  }

  async list(envelope: Envelope<unknown>): Promise<PageSlice<TokenView>> {
    const caller = callerOf(envelope.context);
    const query = await validateDto(ListTokensQuery, envelope.payload);
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    requireTokenPermission(caller, 'tokens:read', { organizationId: caller.organizationId, ownerTeams: caller.teams });
    const now = this.clock();
    const teamScoped = !caller.unrestricted && caller.permissions['tokens:read'] === 'team';
    const { organizationId } = caller;
    const within = query.expiring_within === undefined ? null : durationSeconds(query.expiring_within);
    if (!teamScoped && within === null && (query.status === undefined || query.status === 'revoked')) {
      // The page is cut from the listing index of the organization, or of the owner asked for,
      // revoked ones only where asked: two round trips, whatever the organization's size.
      const { total, records } = await this.options.readModel.tokenPage({
        organizationId,
        ownerId: query.owner,
        revoked: query.status === 'revoked',
        offset: (page - 1) * pageSize,
        count: pageSize,
      });
      return { total, page, page_size: pageSize, results: await this.views(organizationId, records, now) };
    }
    // A status verification decides at read time (it depends on the owner, the organization's
    // lifetime cap and the clock), an expiry window, or the caller's teams: the candidates'
    // records are read and filtered here. This grows with the tokens of the owners in scope (of
    // the caller's teams, or the one asked for, or the organization), newest first.
    let records: TokenRecord[];
    let candidateOwners: Map<string, PrincipalRecord | null> | undefined;
    if (teamScoped) {
      // The organization's owners who are in one of the caller's teams now (teams are the users
      // service's, read from the principal records, which then decide the statuses too).
      const candidates = query.owner ? [query.owner] : await this.options.readModel.tokenOwners(organizationId);
      candidateOwners = await this.principalsById(candidates);
      const inTeams = candidates.filter((owner) => (candidateOwners!.get(owner)?.teams ?? []).some((team) => caller.teams.includes(team)));
      records = await this.options.readModel.ownersTokens(organizationId, inTeams);
    } else {
      records = query.owner ? await this.options.readModel.ownersTokens(organizationId, [query.owner]) : (await this.options.readModel.organizationTokens(organizationId)).reverse();
    }
    const [owners, policy] = await Promise.all([candidateOwners ?? this.ownersOf(records), this.principals.policy(organizationId)]);
    const statusOf = (record: TokenRecord) => tokenStatus(record, { owner: owners.get(record.ownerId) ?? null, policy }, now);
    if (query.status) records = records.filter((record) => statusOf(record) === query.status);
    if (within !== null) {
      const until = now.getTime() + within * 1000;
      records = records.filter((record) => statusOf(record) === 'active' && record.expiresAt !== null && Date.parse(record.expiresAt) <= until);
    }
    const slice = records.slice((page - 1) * pageSize, page * pageSize);
    return { total: records.length, page, page_size: pageSize, results: slice.map((record) => toTokenView(record, { owner: owners.get(record.ownerId) ?? null, policy }, now)) };
  }

  async get(envelope: Envelope<TokenRequest>): Promise<TokenView> {
    const { record, owner } = await this.readable(envelope.context, envelope.payload.id, 'tokens:read');
    const policy = await this.principals.policy(record.organizationId);
    return toTokenView(record, { owner, policy }, this.clock());
  }

  async revoke(envelope: Envelope<TokenRequest>): Promise<TokenView> {
    const { id } = envelope.payload;
    const { owner, policy, loaded } = await this.writable(envelope.context, id);
    const decided = await this.run(envelope.context, id, { type: 'RevokeToken', at: this.clock().toISOString() }, { loaded });
    return this.decidedView(decided, { owner, policy });
  }

  /** Stops every secret of the token until it is enabled; answers once no verifier accepts it. */
  async disable(envelope: Envelope<TokenRequest>): Promise<TokenView> {
    const { id } = envelope.payload;
    const { owner, policy, loaded } = await this.writable(envelope.context, id);
    const decided = await this.run(envelope.context, id, { type: 'DisableToken', at: this.clock().toISOString(), reason: 'manual' }, { loaded });
    return this.decidedView(decided, { owner, policy });
  }

  /** A disabled token works again (a revoked one never does); only for a caller who could have issued it. */
  async enable(envelope: Envelope<TokenRequest>): Promise<TokenView> {
    const { id } = envelope.payload;
    const { caller, owner, policy, loaded } = await this.writable(envelope.context, id);
    const decided = await this.run(envelope.context, id, { type: 'EnableToken', at: this.clock().toISOString(), enabledBy: caller, owner: toOwner(owner) }, { loaded });
    return this.decidedView(decided, { owner, policy });
  }

  /**
   * "I found this Warden token exposed": any authenticated caller who holds a token's secret
   * may have it revoked (or disabled, per its organization's setting). Holding the secret is
   * already holding every power of the token, so taking that power away gives the reporter
   * nothing; the answer is the same whether the token exists, works, or belongs to another
   * organization, and another organization's records do not name the reporter.
   */
  async reportLeaked(envelope: Envelope<unknown>): Promise<LeakReportAnswer> {
    const caller = callerOf(envelope.context);
    const body = await validateDto(ReportLeakedTokenBody, envelope.payload);
    const parsed = parseSecret(body.token);
    if (parsed?.kind !== 'api_token') {
      throw new WardenError(CommonErrorCode.ValidationFailed, 'token is not a Warden API token', [
        { field: 'token', message: 'is not a Warden API token (wdn_p_ and a valid checksum)' },
      ]);
    }
    await this.leaked(envelope.context, parsed.secret, { url: body.url ?? '', source: 'report', reporter: caller });
    return { status: 'received' };
  }

  /**
   * A secret scanner's alert: verified against the configured scanner keys before anything
   * else, then each entry answered in the partner format. A string that is not a well-formed
   * API token (its checksum decides) is a false positive with no lookup at all.
   */
  async scannerAlert(envelope: Envelope<ScannerAlertRequest>): Promise<ScannerAlertVerdict[]> {
    const { body, keyIdentifier, signature } = envelope.payload;
    const raw = Buffer.from(body, 'base64');
    assertScannerSignature(this.options.scannerKeys ?? new Map(), raw, keyIdentifier, signature);
    const entries = parseScannerAlert(raw);
    const verdicts: ScannerAlertVerdict[] = [];
    for (const entry of entries) {
      const parsed = parseSecret(entry.token);
      const found = parsed?.kind === 'api_token' && (await this.leaked(envelope.context, parsed.secret, { url: entry.url, source: entry.source, reporter: null }));
      verdicts.push({ token_raw: entry.token, token_type: entry.type, label: found ? 'true_positive' : 'false_positive' });
    }
    return verdicts;
  }

  /** Revokes (or disables) the token of a leaked secret and records where it was found; false when no token has that secret. */
  private async leaked(context: RequestContext, secret: string, found: { url: string; source: string; reporter: Principal | null }): Promise<boolean> {
    const hash = secretHash(secret);
    const tokenId = await this.options.storeVerification.tokenIdOf(hash);
    if (tokenId === null) return false;
    const streamId = tokenStreamId(tokenId);
    const { state } = await loadState(this.options.store, tokenDecider, streamId);
    if (state.status === 'absent') return false;
    // A secret rotated out and past its grace gives its holder nothing: it is no key to the token's current secret.
    const leakedSecret = state.secrets.find((candidate) => candidate.hash === hash);
    if (!leakedSecret || (leakedSecret.validUntil !== null && !(Date.parse(leakedSecret.validUntil) > this.clock().getTime()))) return false;
    const policy = await this.principals.policy(state.organizationId);
    const sameOrganization = found.reporter !== null && found.reporter.organizationId === state.organizationId;
    // Filed under the token's organization; a reporter from another one is not named there.
    const metadata: EventMetadata = sameOrganization
      ? eventMetadataFrom(context)
      : { correlationId: context.correlationId, actorType: 'system', organizationId: state.organizationId };
    const reportedBy = found.reporter === null ? 'scanner' : sameOrganization ? found.reporter.userId : 'another_organization';
    const result = await this.commands.handle(
      streamId,
      { type: 'ReportTokenLeak', at: this.clock().toISOString(), url: found.url, source: found.source, reportedBy, action: policy?.leakedTokenAction ?? 'revoke' },
      { metadata, newEventId: uuidv7 },
    );
    await this.options.readModel.applyDecided(result);
    return true;
  }

  async rotate(envelope: Envelope<TokenRequest & RotateTokenBody>): Promise<IssuedTokenView> {
    const { id, ...rest } = envelope.payload;
    const body = await validateDto(RotateTokenBody, rest);
    const { caller, owner, policy, loaded } = await this.writable(envelope.context, id);
    const secret = generateSecret('api_token', this.options.randomBytes);
    const decided = await this.run(envelope.context, id, {
      type: 'RotateToken',
      secretHash: secretHash(secret),
      lastFour: secretLastFour(secret),
      gracePeriodSeconds: body.grace_period_seconds ?? 0,
      at: this.clock().toISOString(),
      rotatedBy: caller,
      owner: toOwner(owner),
    }, { loaded });
    return withSecret(await this.decidedView(decided, { owner, policy }), secret);
  }

  async reassign(envelope: Envelope<TokenRequest & ReassignTokenBody>): Promise<TokenView> {
    const { id, ...rest } = envelope.payload;
    const body = await validateDto(ReassignTokenBody, rest);
    const { caller, policy, loaded } = await this.writable(envelope.context, id);
    const found = await this.principal(body.user_id);
    const newOwner = found?.organizationId === caller.organizationId ? found : null;
    // Giving a token to an account is writing that account's tokens too.
    requireTokenPermission(caller, 'tokens:write', { organizationId: caller.organizationId, ownerTeams: newOwner?.teams ?? [] });
    const decided = await this.run(
      envelope.context,
      id,
      { type: 'ReassignToken', newOwner: toOwner(newOwner), at: this.clock().toISOString(), reassignedBy: caller },
      { loaded },
    );
    return this.decidedView(decided, { owner: newOwner, policy });
  }

  /**
   * `tokens.verify` for internal callers: the same verifier as the gateway's. While a lost
   * read model is being rebuilt (health says so) it decides from the event store instead,
   * by the same rules, so the answer neither waits nor refuses a valid token. An accepted
   * API token counts as used, as at the gateway.
   */
  async verify(envelope: Envelope<unknown>): Promise<TokenIntrospection> {
    const body = plainVerifyTokenBody(envelope.payload) ?? (await validateDto(VerifyTokenBody, envelope.payload));
    const now = this.clock();
    const started = performance.now();
    const result = await verifyCredential(body.token, {
      redis: this.options.redis,
      keyPrefix: this.options.keyPrefix,
      now,
      origin: body.origin ?? null,
      clientAddress: body.client_address ?? null,
      fallback: (presented, origin, clientAddress) => this.options.storeVerification.verify(presented, origin, this.clock(), clientAddress),
      cache: this.options.cache,
    });
    countCredentialVerification('nats', result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    if (result.ok && result.principal.credential.kind === 'api_token') this.uses.record(result.principal.credential.id, now.getTime());
    return introspectionOf(result, true);
  }

  /** The gateway's question while the read model is not ready: decided from the event store (internal subject). */
  async verifyFromStore(envelope: Envelope<unknown>): Promise<VerificationResult> {
    const body = plainVerifyTokenBody(envelope.payload) ?? (await validateDto(VerifyTokenBody, envelope.payload));
    return this.options.storeVerification.verify(body.token, body.origin ?? null, this.clock(), body.client_address ?? null);
  }

  /**
   * Turns the uses the gateways left in Redis into `TokenUsed` events (one per token per
   * flush at most, and none when nothing later happened). Answers how many were recorded.
   */
  async recordUses(): Promise<number> {
    await this.flushUses();
    const key = this.options.keyPrefix + TOKEN_LAST_USED_KEY;
    const uses = await this.options.redis.hgetall(key);
    let recorded = 0;
    for (const [tokenId, ms] of Object.entries(uses)) {
      const usedAt = Number(ms);
      if (Number.isFinite(usedAt)) {
        try {
          const result = await this.commands.handle(
            tokenStreamId(tokenId),
            { type: 'RecordTokenUse', usedAt: new Date(usedAt).toISOString() },
            { metadata: { correlationId: `token-use-${uuidv7()}`, actorType: 'system' }, newEventId: uuidv7 },
          );
          await this.options.readModel.applyDecided(result);
          recorded += result.events.length;
        } catch (error) {
          if (!(error instanceof WardenError && error.code === TokensErrorCode.TokenNotFound)) throw error;
        }
      }
      await this.options.redis.wardenTakeTokenUse(key, tokenId, ms);
    }
    return recorded;
  }

  /** Leaves the uses noted by `verify` in Redis beside the gateways' (at each `recordUses`, and at shutdown). */
  flushUses(): Promise<void> {
    return this.uses.flush();
  }

  /**
   * Issues a token. A request with an idempotency key's fingerprint gets an id derived from
   * it, so its retry after a lost answer finds the token made the first time: that is a
   * replay, answered like the gateway's own (the secret was shown once and cannot be again).
   * `read`: the owner's principal record and the organization's token policy, as read to authorize it.
   */
  private async mint(
    context: RequestContext,
    command: string,
    issuer: Principal,
    read: TokenStatusContext,
    fields: Pick<Extract<TokenCommand, { type: 'IssueToken' }>, 'name' | 'visibility' | 'allowedOrigins' | 'expiresAt' | 'permissions' | 'policy'>,
    now = this.clock(),
  ): Promise<IssuedTokenView> {
    const fingerprint = context.idempotencyFingerprint;
    const tokenId = createdId(fingerprint, command);
    // A retry is never answered with the token: `refuseReplay` throws once the first attempt's exists.
    // Nothing is read before the create: a retry's append finds the id taken and its decision
    // refuses a token that exists, and only then is the first attempt's token looked for.
    const { secret, decided } = await createOnce(fingerprint, () => this.refuseReplay(tokenId), async () => {
      const fresh = generateSecret('api_token', this.options.randomBytes);
      // A token id is new by construction (fresh, or derived: new but for a retry): the
      // command is decided without reading its stream, and re-decided on it should it exist.
      const issued = await this.run(context, tokenId, {
        type: 'IssueToken',
        tokenId,
        organizationId: issuer.organizationId,
        owner: toOwner(read.owner),
        issuer,
        ...fields,
        secretHash: secretHash(fresh),
        lastFour: secretLastFour(fresh),
        issuedAt: now.toISOString(),
        maxLifetimeSeconds: read.policy?.maxTokenLifetimeSeconds ?? null,
      }, { assumeNew: true });
      return { secret: fresh, decided: issued };
    }, { lookFirst: false });
    return withSecret(await this.decidedView(decided, read), secret);
  }

  /** Refuses a retry whose token already exists: 409 naming it, after the read model has it. */
  private async refuseReplay(tokenId: string): Promise<undefined> {
    const streamId = tokenStreamId(tokenId);
    const { state } = await loadState(this.options.store, tokenDecider, streamId);
    if (state.status === 'absent') return undefined;
    await this.options.readModel.applyNewEvents(streamId);
    throw new WardenError(
      CommonErrorCode.IdempotentReplayWithheld,
      `The first request with this Idempotency-Key succeeded (201, id ${tokenId}); ` +
        'its answer held a secret, which is shown once and not kept. Rotate the token for a new secret.',
    );
  }

  /** Answers what the command decided on and appended, and the record its apply wrote, once the read model has it. */
  private async run(
    context: RequestContext,
    tokenId: string,
    command: TokenCommand,
    options: { assumeNew?: boolean; loaded?: LoadedStream<TokenState> } = {},
  ): Promise<DecidedToken> {
    const streamId = tokenStreamId(tokenId);
    // The read model is applied from the stream the command decided on and what it
    // appended: nothing is read back from the store before the answer.
    const result = await this.commands.handle(streamId, command, { metadata: eventMetadataFrom(context), newEventId: uuidv7 }, options);
    return { ...result, applied: await this.options.readModel.applyDecided(result) };
  }

  /**
   * A command's answer: the token's record as its apply gave it to the read model (nothing
   * read back from Redis), its status decided on the owner's record and the policy the
   * command read. A decision retried on a stream that moved meanwhile may have another
   * owner: that one's record is read.
   */
  private async decidedView(decided: DecidedToken, read: TokenStatusContext): Promise<TokenView> {
    const record = decided.applied ?? (decided.state.status === 'absent' ? null : decidedTokenRecord(decided, decided.state.tokenId));
    if (!record) throw new WardenError(TokensErrorCode.TokenNotFound, `token ${decided.streamId} does not exist`);
    const owner = read.owner?.userId === record.ownerId ? read.owner : await this.principal(record.ownerId);
    return toTokenView(record, { owner, policy: read.policy }, this.clock());
  }

  /** The views of an organization's tokens, with the status verification would decide (their owners read in one command). */
  private async views(organizationId: string, records: TokenRecord[], now: Date): Promise<TokenView[]> {
    const [owners, policy] = await Promise.all([this.ownersOf(records), this.principals.policy(organizationId)]);
    return records.map((record) => toTokenView(record, { owner: owners.get(record.ownerId) ?? null, policy }, now));
  }

  private ownersOf(records: TokenRecord[]): Promise<Map<string, PrincipalRecord | null>> {
    return this.principalsById([...new Set(records.map((record) => record.ownerId))]);
  }

  private async principalsById(userIds: string[]): Promise<Map<string, PrincipalRecord | null>> {
    const found = await this.principals.principals(userIds);
    return new Map(userIds.map((id, i) => [id, found[i] ?? null]));
  }

  private async readable(
    context: RequestContext,
    tokenId: string,
    permission: 'tokens:read' | 'tokens:write',
  ): Promise<{ record: TokenRecord; owner: PrincipalRecord | null }> {
    const caller = callerOf(context);
    const record = await this.options.readModel.token(tokenId);
    if (!record) throw new WardenError(TokensErrorCode.TokenNotFound, `token ${tokenId} does not exist`);
    const owner = await this.principal(record.ownerId);
    requireTokenPermission(caller, permission, { organizationId: record.organizationId, ownerTeams: owner?.teams ?? [] }, tokenId);
    return { record, owner };
  }

  /**
   * Authorizes a change against the token as the event store has it (the source of truth); answers the caller and the token's owner.
   * Also answers the stream as read, so that the command is decided on it without reading it again, and the organization's token
   * policy, read with the owner: the command's answer decides the token's status on both.
   */
  private async writable(
    context: RequestContext,
    tokenId: string,
  ): Promise<{ caller: Principal; owner: PrincipalRecord | null; policy: OrganizationPolicyRecord | null; loaded: LoadedStream<TokenState> }> {
    const caller = callerOf(context);
    const loaded = await loadState(this.options.store, tokenDecider, tokenStreamId(tokenId));
    const { state } = loaded;
    if (state.status === 'absent') throw new WardenError(TokensErrorCode.TokenNotFound, `token ${tokenId} does not exist`);
    // One round trip with auto-pipelining.
    const [owner, policy] = await Promise.all([this.principal(state.ownerId), this.principals.policy(state.organizationId)]);
    requireTokenPermission(caller, 'tokens:write', { organizationId: state.organizationId, ownerTeams: owner?.teams ?? [] }, tokenId);
    return { caller, owner, policy, loaded };
  }

  private principal(userId: string): Promise<PrincipalRecord | null> {
    return this.principals.principal(userId);
  }
}

function hasPolicy(body: IssueTokenBody): boolean {
  return [body.description, body.metadata, body.allowed_ips, body.rate_limit, body.credits].some((field) => field !== undefined);
}

/** The fields of a body as a change of the token's policy (absent: unchanged; null: removed). */
function policyChangesOf(body: UpdateTokenBody): TokenPolicyChanges {
  const changes: TokenPolicyChanges = {};
  if (body.description !== undefined) changes.description = body.description;
  if (body.metadata !== undefined) changes.metadata = body.metadata;
  if (body.allowed_ips !== undefined) changes.allowedIps = body.allowed_ips;
  if (body.rate_limit !== undefined) changes.rateLimit = body.rate_limit && { limit: body.rate_limit.limit, windowSeconds: body.rate_limit.window_seconds };
  if (body.credits !== undefined) {
    const refill = body.credits?.refill;
    changes.credits = body.credits && { amount: body.credits.remaining, refill: refill ? { amount: refill.amount, intervalSeconds: refill.interval_seconds } : null };
  }
  return changes;
}

function toOwner(record: PrincipalRecord | null): TokenOwner | null {
  if (!record) return null;
  const { userId, organizationId, accountType, roles, teams, status, permissions, isSuperAdmin, platformAdmin } = record;
  return { userId, organizationId, accountType, roles, teams, status, permissions, isSuperAdmin, platformAdmin };
}
