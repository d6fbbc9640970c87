// The credential read model: for every login session and every API token secret a JSON
// CredentialRecord at `credential:<sha256 of the secret>`, which the token verifier reads
// together with the owner's principal record; and, for API tokens, what the token routes
// read: `token:<id>` (the token, never a secret; see token-record-codec.ts), `organization-tokens:<orgId>` (a sorted
// set of the organization's token ids by creation) with its listing indexes (see
// `tokenListingKeys`), whose owner's indexes also count the tokens a user owns and has not
// revoked (a user who owns some cannot be deleted).
//
// Every credential record carries a Redis expiry (PXAT, from the events, never from the
// clock): a session's at its expiry; an API token secret's at its end (the token's expiry,
// the end of a rotated-out secret's grace period) plus ENDED_CREDENTIAL_RETENTION_SECONDS,
// so that a refusal within that time names the cause (`expired`, `rotated_out`) rather than
// `unknown`. A rebuild writes exactly the same keys and expiries as the first pass did.
//
// A service account that is an OAuth client has one more record, `credential:client:<id>`:
// its client credentials that may still work and its revoked access tokens (see
// `oauthClientRecord`), which the verifier reads for every access token of the account.
import {
  CredentialRecord,
  CredentialUsage,
  ENDED_CREDENTIAL_RETENTION_SECONDS,
  OAuthClientRecord,
  allowedIpIndex,
  credentialKey,
  normalizeAllowedIp,
  oauthClientKey,
} from '@warden/contracts';
import { EventStore, RecordedEvent } from '@warden/event-store';
import { ProjectionReplayer, RedisOp, RedisProjection } from '@warden/messaging';
import { fold, upcast } from '@warden/kernel';
import { invalidationSubject } from '@warden/token-verifier';
import { decodeTokenRecord, encodeTokenRecord } from './token-record-codec';
import {
  OAUTH_CLIENT_STREAM_PREFIX,
  OAuthClient,
  SESSION_STREAM_PREFIX,
  SessionEvent,
  TOKEN_STREAM_PREFIX,
  Token,
  TokenEvent,
  TokenIssued,
  TokenState,
  oauthClientDecider,
  tokenDecider,
  tokensContextUpcasters,
} from '@warden/tokens-domain';

export const CREDENTIAL_READ_MODEL = 'credential-read-model';

/** Redis key (after REDIS_KEY_PREFIX) of a token as the token routes read it. */
export const tokenRecordKey = (tokenId: string) => `token:${tokenId}`;

/** The token's record as these ops (a token stream's) set it; null when they set none. */
export function tokenRecordIn(ops: readonly RedisOp[], tokenId: string): TokenRecord | null {
  const key = tokenRecordKey(tokenId);
  const set = ops.find((op) => op.key === key);
  return set?.op === 'set' ? decodeTokenRecord(tokenId, set.value) : null;
}
/** Redis key (after REDIS_KEY_PREFIX) of an organization's token ids, scored by creation time. */
export const organizationTokensKey = (organizationId: string) => `organization-tokens:${organizationId}`;

/** Redis key (after REDIS_KEY_PREFIX) of the token ids an account owns in an organization, scored by creation time. */
export const ownerTokensKey = (organizationId: string, ownerId: string) => `organization-tokens:${organizationId}:owner:${ownerId}`;

/** Redis key (after REDIS_KEY_PREFIX) of the accounts that own or owned tokens in an organization (a set). */
export const tokenOwnersKey = (organizationId: string) => `organization-tokens:${organizationId}:owners`;

/**
 * The sorted sets a token listing pages from, for a scope (an organization's tokens,
 * `organizationTokensKey`, or one owner's, `ownerTokensKey`): every token of the scope, and
 * the revoked ones, by creation time. The other statuses (expired, disabled, owner inactive,
 * active) are what verification decides at read time, from the owner's record, the
 * organization's lifetime cap and the clock, so no index of the token's own can hold them.
 */
export function tokenListingKeys(scope: string): { all: string; revoked: string } {
  return { all: scope, revoked: `${scope}:revoked` };
}

/**
 * Redis key (after REDIS_KEY_PREFIX) of every token that works and has an expiry, scored by
 * it: where the expiry scheduler finds the tokens whose warnings are due.
 */
export const TOKEN_EXPIRIES_KEY = 'token-expiries';

/** What `tokenRecordKey(id)` holds (as `encodeTokenRecord` keeps it): the token's state without the hashes of its secrets. */
export interface TokenRecord {
  tokenId: string;
  organizationId: string;
  ownerId: string;
  name: string;
  status: 'active' | 'revoked';
  visibility: Token['visibility'];
  allowedOrigins: string[];
  expiresAt: string | null;
  permissions: string[] | null;
  lastFour: string;
  /** The secrets that may still work, by last four (the current one last): none ended by the time of the token's latest rotation. */
  secrets: { lastFour: string; issuedAt: string; validUntil: string | null }[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  /** Switched off without being revoked (null or absent: enabled). */
  disabledAt?: string | null;
  /** The usage policy and description (absent from records written before they existed: none). */
  description?: string | null;
  metadata?: Record<string, string>;
  allowedIps?: string[];
  rateLimit?: Token['rateLimit'];
  credits?: Token['credits'];
}

export function credentialReadModelProjection(keyPrefix: string, store: EventStore): RedisProjection {
  return {
    name: CREDENTIAL_READ_MODEL,
    keyPrefix,
    apply: (event) => credentialOpsFor(event, store),
    replayer: () => new CredentialReplayer(store),
    invalidates: (event) => credentialInvalidations(event.streamId, [event.type]),
  };
}

/** A token's events after which its secrets verify as before or more: any other may verify them less. */
const TOKEN_EVENTS_KEEPING_POWER: ReadonlySet<string> = new Set<TokenEvent['type']>(['TokenIssued', 'TokenUsed', 'TokenExpiring', 'TokenEnabled']);

/**
 * What the verification caches must drop once events of this type are applied to the
 * stream's credential: the token after anything that may reduce what its secrets do
 * (revoked, rotated, reassigned, disabled, its policy or grace changed, expired, leaked),
 * a session once ended. An OAuth client's access tokens are never cached.
 */
export function credentialInvalidations(streamId: string, types: readonly string[]): string[] {
  if (streamId.startsWith(TOKEN_STREAM_PREFIX)) {
    return types.some((type) => !TOKEN_EVENTS_KEEPING_POWER.has(type)) ? [invalidationSubject.credential(streamId.slice(TOKEN_STREAM_PREFIX.length))] : [];
  }
  if (streamId.startsWith(SESSION_STREAM_PREFIX) && types.includes('SessionEnded')) return [invalidationSubject.credential(streamId.slice(SESSION_STREAM_PREFIX.length))];
  return [];
}

export async function credentialOpsFor(event: RecordedEvent, store: EventStore): Promise<RedisOp[]> {
  if (event.streamId.startsWith(TOKEN_STREAM_PREFIX)) return tokenOps(await foldedFromStore(event, store));
  if (event.streamId.startsWith(OAUTH_CLIENT_STREAM_PREFIX)) return oauthClientOps(await oauthClientFromStore(event, store));
  return sessionOps(event);
}

/** The account's OAuth client folded from the store up to the event's version. */
async function oauthClientFromStore(event: RecordedEvent, store: EventStore): Promise<OAuthClient | null> {
  const recorded = (await store.readStream(event.streamId)).filter((e) => e.version <= event.version);
  const client = fold(oauthClientDecider, recorded.map((e) => upcast(oauthClientDecider.upcasters, e)));
  return client.status === 'absent' ? null : client;
}

/** The record the verifiers read of an account's OAuth client: the credentials that may still work, the revoked grants. */
export function oauthClientRecord(client: OAuthClient): OAuthClientRecord {
  return {
    kind: 'oauth_client',
    userId: client.accountId,
    organizationId: client.organizationId,
    credentialId: client.accountId,
    status: 'active',
    expiresAt: null,
    // A secret revoked without grace can never work again: left out.
    secrets: client.secrets.filter((secret) => secret.validUntil === null || secret.validUntil !== secret.revokedAt).map(({ id, hash, validUntil }) => ({ id, hash, validUntil })),
    keys: client.keys.map(({ id, algorithm, publicJwk, expiresAt }) => ({ id, algorithm, jwk: publicJwk, expiresAt })),
    rules: client.rules.map(({ id, issuer, audiences, claims }) => ({ id, issuer, audiences, claims })),
    revokedGrants: Object.fromEntries(client.revokedGrants.map(({ grantId, expiresAt }) => [grantId, expiresAt])),
  };
}

/** Redis key (after REDIS_KEY_PREFIX) of an account's OAuth client as its route reads it (`OAuthClientViewRecord`). */
export const oauthClientViewKey = (accountId: string) => `oauth-client:${accountId}`;

/** JSON value at `oauthClientViewKey(id)`: the client's secrets (never their hashes), keys and rules, oldest first. */
export interface OAuthClientViewRecord {
  accountId: string;
  organizationId: string;
  secrets: Omit<OAuthClient['secrets'][number], 'hash'>[];
  keys: OAuthClient['keys'];
  rules: OAuthClient['rules'];
}

function oauthClientOps(client: OAuthClient | null): RedisOp[] {
  if (client === null) return [];
  const view: OAuthClientViewRecord = {
    accountId: client.accountId,
    organizationId: client.organizationId,
    secrets: client.secrets.map(({ hash: _hash, ...secret }) => secret),
    keys: client.keys,
    rules: client.rules,
  };
  return [
    { op: 'set', key: oauthClientKey(client.accountId), value: JSON.stringify(oauthClientRecord(client)) },
    { op: 'set', key: oauthClientViewKey(client.accountId), value: JSON.stringify(view) },
  ];
}

// How many token streams a replay keeps folded: between this and twice this, the streams
// met most recently. A stream dropped has its next event folded from the store, as an
// event applied live has.
const FOLDED_STREAMS_KEPT = 20_000;

/**
 * The credential read model's ops during a replay: the same as `credentialOpsFor` gives,
 * event by event, but a token stream is folded in memory as the replay meets its events
 * in log order, rather than read back from the store for each one. An event that does not
 * follow the version last folded for its stream (a catch-up starting mid-log, a stream
 * dropped from the map) is folded from the store instead.
 */
export class CredentialReplayer implements ProjectionReplayer {
  // Streams folded since the last turn, and those of the turn before (dropped at the next).
  private recent = new Map<string, FoldedToken>();
  private older = new Map<string, FoldedToken>();

  constructor(
    private readonly store: EventStore,
    private readonly kept = FOLDED_STREAMS_KEPT,
  ) {}

  async apply(event: RecordedEvent): Promise<RedisOp[]> {
    if (event.streamId.startsWith(OAUTH_CLIENT_STREAM_PREFIX)) return oauthClientOps(await oauthClientFromStore(event, this.store));
    if (!event.streamId.startsWith(TOKEN_STREAM_PREFIX)) return sessionOps(event);
    const before = this.recent.get(event.streamId) ?? this.older.get(event.streamId) ?? (event.version === 1 ? UNFOLDED : undefined);
    const next = before !== undefined && before.version === event.version - 1 ? foldOne(before, event) : await foldedFromStore(event, this.store);
    if (this.recent.size >= this.kept) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(event.streamId, next);
    return tokenOps(next);
  }
}

function sessionOps(event: RecordedEvent): RedisOp[] {
  const known = upcast(tokensContextUpcasters, event);
  switch (known.type) {
    case 'SessionStarted':
    case 'SessionEnded': {
      const record = sessionCredentialRecord(known);
      return [{ op: 'set', key: credentialKey(known.data.keyHash), value: JSON.stringify(record), pxat: Date.parse(record.expiresAt) }];
    }
    default:
      return []; // another aggregate's event: its version is still recorded
  }
}

/** A session's credential record as of its latest event (what the read model holds, and what the store fallback decides on). */
export function sessionCredentialRecord(latest: SessionEvent): CredentialRecord & { expiresAt: string } {
  const { sessionId, userId, organizationId, expiresAt } = latest.data;
  // An ended session is kept until it would have expired, marked revoked, so a late verification says why.
  if (latest.type === 'SessionStarted') {
    return { kind: 'session', credentialId: sessionId, userId, organizationId, expiresAt, status: 'active', issuedAt: latest.data.startedAt };
  }
  return { kind: 'session', credentialId: sessionId, userId, organizationId, expiresAt, status: 'revoked' };
}

/** The credential record of one secret of a token (null for a hash that is not one of its secrets). */
export function tokenCredentialRecord(token: Token, hash: string): CredentialRecord | null {
  const secret = token.secrets.find((candidate) => candidate.hash === hash);
  if (!secret) return null;
  const ends = [token.expiresAt, secret.validUntil].filter((at): at is string => at !== null).map(Date.parse);
  const end = ends.length > 0 ? Math.min(...ends) : null;
  return {
    kind: 'api_token',
    credentialId: token.tokenId,
    userId: token.ownerId,
    organizationId: token.organizationId,
    expiresAt: end === null ? null : new Date(end).toISOString(),
    status: token.status,
    issuedAt: secret.issuedAt,
    ...(token.visibility === 'public' && { allowedOrigins: token.allowedOrigins }),
    ...(token.permissions !== null && { permissions: token.permissions }),
    ...(token.disabledAt !== null && { disabledAt: token.disabledAt }),
    ...(secret.validUntil !== null && { rotatedOutAt: secret.validUntil }),
    ...(hasUsagePolicy(token) && { usage: credentialUsageOf(token) }),
  };
}

function hasUsagePolicy(token: Token): boolean {
  return token.allowedIps.length > 0 || token.rateLimit !== null || token.credits !== null;
}

/** The usage policy as the verification script reads it: blocks in hex, times in milliseconds. */
export function credentialUsageOf(token: Token): CredentialUsage {
  const usage: CredentialUsage = {};
  if (token.allowedIps.length > 0) usage.ips = allowedIpIndex(token.allowedIps.map((cidr) => blockOf(cidr)));
  if (token.rateLimit !== null) usage.rate = { limit: token.rateLimit.limit, windowMs: token.rateLimit.windowSeconds * 1000 };
  if (token.credits !== null) {
    const { grant, amount, grantedAt, refill } = token.credits;
    usage.credits = { grant, amount, grantedAtMs: Date.parse(grantedAt), ...(refill && { refillAmount: refill.amount, refillMs: refill.intervalSeconds * 1000 }) };
  }
  return usage;
}

function blockOf(cidr: string): string {
  const checked = normalizeAllowedIp(cidr);
  // The decider stored only blocks it normalized; anything else fails closed (no address matches it).
  return checked.ok ? checked.block : '/129';
}

/** A token stream folded up to `version`, with every owner it was reassigned from by then. */
interface FoldedToken {
  version: number;
  token: TokenState;
  formerOwners: readonly string[];
}

const UNFOLDED: FoldedToken = { version: 0, token: tokenDecider.initialState(), formerOwners: [] };

function foldOne(folded: FoldedToken, event: RecordedEvent): FoldedToken {
  return foldDecided(folded, event.version, upcast(tokenDecider.upcasters, event));
}

function foldDecided(folded: FoldedToken, version: number, event: TokenEvent): FoldedToken {
  return {
    version,
    token: tokenDecider.evolve(folded.token, event),
    formerOwners: event.type === 'TokenReassigned' ? [...folded.formerOwners, event.data.fromUserId] : folded.formerOwners,
  };
}

/** The event's token stream folded from the store up to the event's version. */
async function foldedFromStore(event: RecordedEvent, store: EventStore): Promise<FoldedToken> {
  const recorded = await store.readStream(event.streamId);
  let folded = UNFOLDED;
  for (const e of recorded) if (e.version <= event.version) folded = foldOne(folded, e);
  return folded;
}

/**
 * What the read model holds for a token stream of one `TokenIssued` event: the same ops a
 * replay of that stream applies (for tools that write such read models in bulk, so their
 * layout cannot drift from the projection's).
 */
export function issuedTokenOps(data: TokenIssued['data']): RedisOp[] {
  return tokenOps({ version: 1, token: tokenDecider.evolve(UNFOLDED.token, { type: 'TokenIssued', data }), formerOwners: [] });
}

/** A token's secrets not ended by its latest rotation (from the events alone, never the clock). */
export function liveSecretsOf(token: Token): Token['secrets'] {
  const since = token.rotatedAt === null ? null : Date.parse(token.rotatedAt);
  return token.secrets.filter((secret) => secret.validUntil === null || since === null || Date.parse(secret.validUntil) > since);
}

/**
 * A token event sets everything the token's state implies as of that event's version
 * (folded from its stream, as the principal records are), so an event applied late,
 * twice or during a rebuild always leaves the records of that version.
 */
function tokenOps({ token, formerOwners }: FoldedToken): RedisOp[] {
  if (token.status === 'absent') return [];
  const ops: RedisOp[] = [];
  for (const secret of token.secrets) {
    const record = tokenCredentialRecord(token, secret.hash)!;
    ops.push(
      record.expiresAt === null
        ? { op: 'set', key: credentialKey(secret.hash), value: JSON.stringify(record) }
        : { op: 'set', key: credentialKey(secret.hash), value: JSON.stringify(record), pxat: Date.parse(record.expiresAt) + ENDED_CREDENTIAL_RETENTION_SECONDS * 1000 },
    );
  }
  const current = token.secrets[token.secrets.length - 1]!;
  const view: TokenRecord = {
    tokenId: token.tokenId,
    organizationId: token.organizationId,
    ownerId: token.ownerId,
    name: token.name,
    status: token.status,
    visibility: token.visibility,
    allowedOrigins: token.allowedOrigins,
    expiresAt: token.expiresAt,
    permissions: token.permissions,
    lastFour: current.lastFour,
    secrets: liveSecretsOf(token).map(({ lastFour, issuedAt, validUntil }) => ({ lastFour, issuedAt, validUntil })),
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
    rotatedAt: token.rotatedAt,
    disabledAt: token.disabledAt,
    description: token.description,
    // In one order whatever the source (a command's own events, or the store's, whose JSON orders keys its own way), so a replay writes the same record.
    metadata: Object.fromEntries(Object.entries(token.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    allowedIps: token.allowedIps,
    rateLimit: token.rateLimit,
    credits: token.credits,
  };
  ops.push({ op: 'set', key: tokenRecordKey(token.tokenId), value: encodeTokenRecord(view) });
  ops.push(...tokenListingOps(token, formerOwners));
  // Until its current secret's expiry has been noted (TokenExpired): nothing is left to say of it then.
  if (token.status === 'active' && token.expiresAt !== null && token.expiredSecretId !== String(token.secrets.length)) {
    ops.push({ op: 'zadd', key: TOKEN_EXPIRIES_KEY, members: [{ score: Date.parse(token.expiresAt), member: token.tokenId }] });
  } else {
    ops.push({ op: 'zrem', key: TOKEN_EXPIRIES_KEY, members: [token.tokenId] });
  }
  return ops;
}

/**
 * The token's place in the listing indexes of its organization and of its owner (and out
 * of those of every owner it had before): in every scope, in the set of all, and in that of
 * the revoked once it is.
 */
function tokenListingOps(token: Token, formerOwners: readonly string[]): RedisOp[] {
  const member = token.tokenId;
  const created = [{ score: Date.parse(token.createdAt), member }];
  const ops: RedisOp[] = [{ op: 'sadd', key: tokenOwnersKey(token.organizationId), members: [token.ownerId] }];
  for (const scope of [organizationTokensKey(token.organizationId), ownerTokensKey(token.organizationId, token.ownerId)]) {
    const keys = tokenListingKeys(scope);
    ops.push({ op: 'zadd', key: keys.all, members: created });
    ops.push(token.status === 'revoked' ? { op: 'zadd', key: keys.revoked, members: created } : { op: 'zrem', key: keys.revoked, members: [member] });
  }
  for (const former of new Set(formerOwners)) {
    if (former === token.ownerId) continue;
    for (const key of Object.values(tokenListingKeys(ownerTokensKey(token.organizationId, former)))) ops.push({ op: 'zrem', key, members: [member] });
  }
  return ops;
}

/**
 * The ops of a token stream as of the last of `decided`, which follow `history`, the whole
 * stream before them from version 1 in order: what `credentialOpsFor` gives for that last
 * event, for a caller that holds the stream already (a command that just decided on it)
 * instead of reading it back.
 */
export function tokenStreamOps(history: readonly RecordedEvent[], decided: readonly TokenEvent[]): RedisOp[] {
  let folded = UNFOLDED;
  for (const event of history) folded = foldOne(folded, event);
  for (const event of decided) folded = foldDecided(folded, folded.version + 1, event);
  return tokenOps(folded);
}
