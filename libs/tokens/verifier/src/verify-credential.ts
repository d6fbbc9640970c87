import { Principal, holdsOrganizationWide, principalOf, viewOfPrincipal } from '@warden/access';
import { RedisClient, defineRedisScripts, loadRedisScript } from '@warden/redis';
import type { Result } from 'ioredis';
import { verifyAccessToken } from './access-token-verification';
import { decideTokenStatus } from './token-status';
import type { Acceptance, CachedVerification, LeaseFencedCache } from './cache/lease-fenced-cache';
import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CommonErrorCode,
  CredentialKind,
  CredentialRecord,
  CredentialUsage,
  OrganizationPolicyRecord,
  PrincipalRecord,
  PrincipalView,
  RateLimitView,
  ActiveTokenIntrospection,
  TokenIntrospection,
  WardenError,
  credentialGenerationPrefix,
  addressInIndex,
  clientAddressHex,
  credentialKey,
  looksLikeAccessToken,
  organizationPoliciesKey,
  parseSecret,
  principalRecordsKey,
  principalRecordsReadyKey,
  secretDigest,
  secretHash,
  secretHashOfDigest,
  tokenUsageKey,
} from '@warden/contracts';

// Verifies a presented secret (login session key or API token) against the read models in
// Redis: the tokens service's credential record, keyed by the secret's SHA-256, and the
// users service's principal record of its owner. The lookup is by hash, so no secret is
// ever compared in JavaScript and there is no timing side channel to make constant-time.
//
// Without a cache each verification reads Redis, so a revoked credential or a deactivated
// owner is refused from the moment the read model says so. With the lease-fenced cache
// (cache/), an accepted verification is kept in process until the credential expires, and the command that
// revokes it answers only once no cache can serve them: the same moment, as the caller of
// the command sees it. With ioredis' `enableAutoPipelining`, concurrent verifications share
// round trips.

export type VerificationFailure =
  /** Not a Warden secret, or a checksum mismatch: rejected without touching Redis. */
  | 'malformed'
  /** No credential with that hash (never issued, or evicted by Redis long after it ended: see ENDED_CREDENTIAL_RETENTION_SECONDS). */
  | 'unknown'
  | 'expired'
  /** A rotated-out secret of an API token whose grace period is over. */
  | 'rotated_out'
  | 'revoked'
  /** An API token switched off without being revoked. */
  | 'disabled'
  /** The owner is deactivated, deleted, has no principal record, or (an API token) is no longer a service account. */
  | 'owner_inactive'
  /** An API token disabled (it works again once enabled). */
  | 'disabled'
  /** A public API token presented from an origin outside its allowlist. */
  | 'origin_not_allowed'
  /** An API token presented from a client address outside its IP allowlist. */
  | 'ip_not_allowed'
  /** An API token past its rate limit in the current window (`rateLimit` says until when). */
  | 'rate_limited'
  /** An API token without credits left. */
  | 'credits_exhausted'
  /** Warden's introspection answered inactive without saying why (a credential without `tokens:read`, or another organization's token). */
  | 'inactive';

/**
 * A refusal of a credential that exists says which organization it belongs to, so that an
 * introspection by another organization can answer it as it answers an unknown one.
 */
export type VerificationResult =
  | { ok: true; principal: PrincipalView; usage?: VerifiedUsage }
  | { ok: false; reason: VerificationFailure; organizationId?: string; rateLimit?: RateLimitState };

/** Where an API token's rate limit stands after a verification. */
export interface RateLimitState {
  limit: number;
  windowSeconds: number;
  /** Requests left in the current window. */
  remaining: number;
  /** When the current window ends (epoch ms). */
  resetAt: number;
}

/** What an accepted API token's usage policy left: absent parts it does not have. */
export interface VerifiedUsage {
  rateLimit?: RateLimitState;
  creditsRemaining?: number;
}

/**
 * Decides a verification when the credential read model is not ready (lost, or being
 * rebuilt): the tokens service answers it from its event store with the same rules.
 */
export type VerificationFallback = (presented: string, origin: string | null, clientAddress: string | null) => Promise<VerificationResult>;

export interface VerifyCredentialOptions {
  /** Warden's Redis, or a client of its Redis Cluster. */
  redis: RedisClient;
  /** REDIS_KEY_PREFIX of the deployment (`warden:`). */
  keyPrefix: string;
  now: Date;
  /** The request's `Origin` header, checked against a public token's allowlist (exact match). */
  origin?: string | null;
  /** The client's IP address, checked against an API token's IP allowlist (a token with one refuses a verification without it). */
  clientAddress?: string | null;
  /** Asked while the read model is not ready; without one, verification then throws `CredentialReadModelUnavailableError`. */
  fallback?: VerificationFallback;
  /** The verifier's lease-fenced cache (cache/lease-fenced-cache.ts): a hit decides without Redis. */
  cache?: LeaseFencedCache;
}

/**
 * Warden cannot decide now (its read model is being rebuilt, its introspection did not
 * answer, or refused this service's own credential): a 503 to the caller, never a refusal
 * of a key that may be valid. `detail` is for the caller; `message` says why, for the logs.
 */
export class VerificationUnavailableError extends WardenError {
  constructor(why: string, detail = 'Warden cannot verify credentials right now; try again shortly') {
    super(CommonErrorCode.ServiceUnavailable, detail);
    this.message = `${CommonErrorCode.ServiceUnavailable}: ${why}`;
  }
}

/** The credential read model is not ready and no fallback was given. */
export class CredentialReadModelUnavailableError extends VerificationUnavailableError {
  constructor() {
    const detail = 'the credential read model is being rebuilt; try again shortly';
    super(detail, detail);
  }
}

const VERIFY_CREDENTIAL = loadRedisScript(__dirname, 'verify-credential-5.lua');

/** No generation built (1), the live one when it is not the one asked, or the three records (absent ones missing or nil) and the usage policy's outcome. */
type VerifyReply = 1 | string | [(string | null)?, (string | null)?, (string | null)?, string?];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    wardenVerifyCredential(
      generationPointerKey: string,
      credentialKey: string,
      principalRecordsKey: string,
      organizationPoliciesKey: string,
      tokenUsageKey: string,
      generation: string,
      nowMs: number,
      clientAddressHex: string,
    ): Result<VerifyReply, Context>;
  }
}

/** What a verification decides on, as the read models hold it (null where absent). */
export interface VerificationRecords {
  credential: string | null;
  principal: string | null;
  policy: string | null;
  /** What the script decided of the token's usage policy ('' for none): see `decideVerification`. */
  usage: string;
}

/** When and from where a verification is made, for an API token's usage policy. */
export interface UsageContext {
  now: Date;
  clientAddress?: string | null;
}

/**
 * Defines the verification script on a client. Call it when the client is set up: with
 * auto-pipelining, a command defined while a pipeline is already collecting commands is
 * missing from that pipeline and misaligns its replies (ioredis #1931).
 */
export function prepareCredentialVerifier(redis: RedisClient): void {
  defineRedisScripts(redis, [VERIFY_CREDENTIAL]);
}

// What a client reads for a deployment (a key prefix): the generation it last saw live (the
// base one, '', until told otherwise), which the script confirms in the verification's own
// round trip (after a swap, the first verification through the client asks once more, in the
// generation it was told), and the keys, worked out once.
interface DeploymentKeys {
  generation: string;
  credentialPrefix: string;
  generationPointer: string;
  principalRecords: string;
  organizationPolicies: string;
  tokenUsage: string;
}
const deploymentsSeen = new WeakMap<RedisClient, Map<string, DeploymentKeys>>();
// A swap answers a verification's second ask; more than a few in a row is not a replay.
const GENERATION_ASKS = 4;

function deploymentKeys(redis: RedisClient, keyPrefix: string): DeploymentKeys {
  let deployments = deploymentsSeen.get(redis);
  if (!deployments) {
    prepareCredentialVerifier(redis);
    deploymentsSeen.set(redis, (deployments = new Map()));
  }
  let keys = deployments.get(keyPrefix);
  if (!keys) {
    keys = {
      generation: '',
      credentialPrefix: keyPrefix + credentialGenerationPrefix(''),
      generationPointer: keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY,
      principalRecords: principalRecordsKey(keyPrefix),
      organizationPolicies: organizationPoliciesKey(keyPrefix),
      tokenUsage: tokenUsageKey(keyPrefix),
    };
    deployments.set(keyPrefix, keys);
  }
  return keys;
}

// The client address as the script matches it, for every verification: a few addresses
// (proxies, a caller's pool) make most requests, so their forms are kept rather than worked
// out again each time, forgotten all at once when there are too many to keep.
const addressForms = new Map<string, string>();
const ADDRESS_FORMS_KEPT = 4096;

function addressHexOf(clientAddress: string): string {
  let hex = addressForms.get(clientAddress);
  if (hex === undefined) {
    if (addressForms.size >= ADDRESS_FORMS_KEPT) addressForms.clear();
    hex = clientAddressHex(clientAddress) ?? '';
    addressForms.set(clientAddress, hex);
  }
  return hex;
}

/**
 * Reads the records a verification decides on in one Redis round trip (two, once per client,
 * after a replay swapped a new generation in); null when the read model is not ready.
 */
export function readVerificationRecords(redis: RedisClient, keyPrefix: string, hash: string, use: UsageContext): Promise<VerificationRecords | null> {
  return readVerificationRecordsAt(redis, keyPrefix, credentialKey(hash), use);
}

/** The same for the record at `recordKey` within the credential read model (an OAuth client's, for its access tokens). */
export async function readVerificationRecordsAt(redis: RedisClient, keyPrefix: string, recordKey: string, use?: UsageContext): Promise<VerificationRecords | null> {
  const keys = deploymentKeys(redis, keyPrefix);
  const nowMs = (use?.now ?? new Date()).getTime();
  const address = use?.clientAddress ? addressHexOf(use.clientAddress) : '';
  for (let ask = 0; ask < GENERATION_ASKS; ask++) {
    const { generation, credentialPrefix } = keys;
    const reply = await redis.wardenVerifyCredential(
      keys.generationPointer,
      credentialPrefix + recordKey,
      keys.principalRecords,
      keys.organizationPolicies,
      keys.tokenUsage,
      generation,
      nowMs,
      address,
    );
    if (reply === 1) return null;
    if (typeof reply === 'string') {
      keys.generation = reply;
      keys.credentialPrefix = keyPrefix + credentialGenerationPrefix(reply);
      continue;
    }
    const [credential = null, principal = null, policy = null, usage = ''] = reply;
    if (credential !== null && principal === null) await requirePrincipalRecords(redis, keyPrefix);
    return { credential, principal, policy, usage };
  }
  throw new VerificationUnavailableError(`the credential read model's live generation moved ${GENERATION_ASKS} times during one verification`);
}

/**
 * For a credential found without its owner's principal record: throws (a 503, never a refusal
 * of a credential that may be valid) while the principal records are lost or being rebuilt,
 * when a missing record says nothing about the owner. One more round trip, on this rare path only.
 */
export async function requirePrincipalRecords(redis: RedisClient, keyPrefix: string): Promise<void> {
  if ((await redis.exists(principalRecordsReadyKey(keyPrefix))) === 0) {
    throw new VerificationUnavailableError('the principal records are being rebuilt', 'Warden is rebuilding its read models; try again shortly');
  }
}


/**
 * One checksum check, one SHA-256, one Redis round trip; while the read model is not
 * ready, the fallback (the tokens service deciding from its event store) instead. An OAuth
 * access token is checked by its MAC, then by the same one round trip on its account's
 * OAuth client record. A client secret is no bearer credential: refused without a lookup.
 */
export async function verifyCredential(presented: string, options: VerifyCredentialOptions): Promise<VerificationResult> {
  if (looksLikeAccessToken(presented)) return verifyAccessToken(presented, options);
  const parsed = parseSecret(presented);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (parsed.kind === 'client_secret') return { ok: false, reason: 'unknown' };
  const clientAddress = options.clientAddress ?? null;
  const { cache } = options;
  const digest = cache && secretDigest(parsed.secret);
  const cached = digest && cache.lookup(digest);
  const answer = cached && answerFromCache(cached, parsed.kind, options.now, options.origin);
  if (answer) return answer;
  const ticket = cache?.ticket();
  const hash = digest ? secretHashOfDigest(digest) : secretHash(parsed.secret);
  const records = await readVerificationRecords(options.redis, options.keyPrefix, hash, { now: options.now, clientAddress });
  if (records === null) {
    if (!options.fallback) throw new CredentialReadModelUnavailableError();
    return options.fallback(presented, options.origin ?? null, clientAddress);
  }
  const credential = parseJson<CredentialRecord>(records.credential);
  const owner = parseJson<PrincipalRecord>(records.principal);
  const policy = parseJson<OrganizationPolicyRecord>(records.policy);
  const result = decideRecords(parsed.kind, credential, owner, policy, options.now, options.origin, { usage: records.usage, clientAddress });
  // Only what was accepted, and never a usage policy (counted in Redis at each use): the next
  // verification decides on it again, with its own clock, origin and address.
  if (digest && ticket !== undefined && result.ok && credential && !credential.usage) cache!.offer(digest, ticket, acceptanceOf(result, credential));
  return result;
}

/** What the cache keeps of an accepted verification of `credential`: the decision holds until the effective expiry it answered. */
export function acceptanceOf(accepted: Extract<VerificationResult, { ok: true }>, credential: CredentialRecord): Acceptance {
  const { expiresAt } = accepted.principal.credential;
  return { view: accepted.principal, untilMs: expiresAt === null ? Infinity : Date.parse(expiresAt), allowedOrigins: credential.allowedOrigins ?? undefined };
}

/**
 * What a kept acceptance answers a verification of a secret of `kind` at `now` from `origin`:
 * the same as deciding on the records again (a usage policy aside, never kept), or undefined
 * when it no longer holds as kept (expired, another origin: Redis decides then, with its reason).
 */
export function answerFromCache(cached: CachedVerification, kind: CredentialKind, now: Date, origin: string | null | undefined): VerificationResult | undefined {
  if (cached.kind !== kind || !(now.getTime() < cached.untilMs) || !originAllowed(cached.allowedOrigins, origin)) return undefined;
  return { ok: true, principal: cached.view() };
}

/** Whether a request from `origin` may use a token with these allowed origins (none, or null in a record: from anywhere). */
function originAllowed(allowedOrigins: readonly string[] | undefined, origin: string | null | undefined): boolean {
  // Compared byte for byte with the stored (normalized) origins: a browser's Origin header is
  // already in that form, and any other spelling of it fails closed.
  return !allowedOrigins || (typeof origin === 'string' && allowedOrigins.includes(origin));
}

/**
 * How an API token's usage policy was applied: `usage` is the verification script's answer
 * (it matched the client address, counted the request and took a credit); without it (a
 * decision from the event store) only the IP allowlist is checked here, against `clientAddress`.
 */
export interface UsageOutcome {
  usage?: string;
  clientAddress?: string | null;
}

/**
 * The decision on what Redis returned; pure, so every rule is testable without Redis.
 * `policyJson` is the organization's token policy (API tokens only).
 */
export function decideVerification(
  kind: CredentialKind,
  credentialJson: string | null,
  principalJson: string | null,
  now: Date,
  origin?: string | null,
  policyJson?: string | null,
  outcome: UsageOutcome = {},
): VerificationResult {
  return decideRecords(
    kind,
    parseJson<CredentialRecord>(credentialJson),
    parseJson<PrincipalRecord>(principalJson),
    parseJson<OrganizationPolicyRecord>(policyJson ?? null),
    now,
    origin,
    outcome,
  );
}

/** The same decision on the records decoded (absent ones null), as the verification cache keeps them. */
export function decideRecords(
  kind: CredentialKind,
  credential: CredentialRecord | null,
  owner: PrincipalRecord | null,
  policy: OrganizationPolicyRecord | null,
  now: Date,
  origin?: string | null,
  outcome: UsageOutcome = {},
): VerificationResult {
  // A record of another kind under this hash cannot come from this secret; fail closed.
  if (!credential || credential.kind !== kind) return { ok: false, reason: 'unknown' };
  const refused = (reason: Exclude<VerificationFailure, 'malformed' | 'unknown'>): VerificationResult => ({
    ok: false,
    reason,
    organizationId: credential.organizationId,
  });
  let expiresAt = credential.expiresAt;
  if (credential.kind === 'api_token') {
    // The same decision as the token routes show: revoked, expired (or rotated out), disabled, owner inactive.
    const decided = decideTokenStatus(credential, owner, policy, now);
    if (decided.status !== 'active') return refused(decided.rotatedOut ? 'rotated_out' : decided.status);
    expiresAt = decided.expiresAt;
  } else {
    if (credential.status !== 'active') return refused('revoked');
    if (expiresAt !== null && !(Date.parse(expiresAt) > now.getTime())) return refused('expired');
    if (!owner || owner.status !== 'active' || owner.userId !== credential.userId || owner.organizationId !== credential.organizationId) {
      return refused('owner_inactive');
    }
  }
  if (!owner) return refused('owner_inactive'); // decided above for either kind; narrows the type
  // Deactivation ends a login for good: a session from before the owner's last deactivation
  // stays ended after a reactivation (one without a start time is refused, failing closed).
  if (credential.kind === 'session' && owner.sessionsNotBefore !== undefined && !(credential.issuedAt !== undefined && credential.issuedAt > owner.sessionsNotBefore)) {
    return refused('revoked');
  }
  if (!originAllowed(credential.allowedOrigins, origin)) return refused('origin_not_allowed');
  let usage: VerifiedUsage | undefined;
  if (credential.usage) {
    const applied = applyUsage(credential.usage, outcome);
    if (applied.refused === 'rate_limited') return { ok: false, reason: 'rate_limited', organizationId: credential.organizationId, rateLimit: applied.usage.rateLimit! };
    if (applied.refused) return refused(applied.refused);
    usage = applied.usage;
  }
  const narrowedTo = credential.kind === 'api_token' && Array.isArray(credential.permissions) ? credential.permissions : null;
  const effective = principalOf(owner, narrowedTo);
  const credentialView: PrincipalView['credential'] = { kind: credential.kind, id: credential.credentialId, expiresAt };
  if (narrowedTo !== null) credentialView.permissions = [...narrowedTo];
  const principal = viewOfPrincipal(effective, credentialView);
  return usage ? { ok: true, principal, usage } : { ok: true, principal };
}

/**
 * The usage policy's part of a decision. The script's answer is `ip`, `rate|<state>`,
 * `credits` or `ok|<rate state>|<credits left>` (a rate state `<limit>:<window ms>:<window
 * end>:<left>`); an empty or missing answer means it did not apply the policy.
 */
export function applyUsage(
  policy: CredentialUsage,
  { usage, clientAddress }: UsageOutcome,
): { refused?: 'ip_not_allowed' | 'rate_limited' | 'credits_exhausted'; usage: VerifiedUsage } {
  if (!usage) {
    const hex = clientAddress ? clientAddressHex(clientAddress) : null;
    if (policy.ips && (hex === null || !addressInIndex(hex, policy.ips))) return { refused: 'ip_not_allowed', usage: {} };
    return { usage: {} };
  }
  if (usage === 'ip') return { refused: 'ip_not_allowed', usage: {} };
  if (usage === 'credits') return { refused: 'credits_exhausted', usage: { creditsRemaining: 0 } };
  const [verdict, rate = '', credits = ''] = usage.split('|');
  const state: VerifiedUsage = {};
  if (rate !== '') {
    const [limit, windowMs, resetAt, remaining] = rate.split(':').map(Number) as [number, number, number, number];
    state.rateLimit = { limit, windowSeconds: windowMs / 1000, resetAt, remaining };
  }
  if (credits !== '') state.creditsRemaining = Number(credits);
  return verdict === 'rate' ? { refused: 'rate_limited', usage: state } : { usage: state };
}

/**
 * RFC 7662-style answer for a verification. The reason for an inactive token is given only
 * to a caller allowed to see it (`revealReason`); anyone else learns `active: false`.
 */
export function introspectionOf(result: VerificationResult, revealReason: boolean): TokenIntrospection {
  if (!result.ok) {
    if (!revealReason) return { active: false };
    return result.rateLimit ? { active: false, reason: result.reason, rate_limit: rateLimitView(result.rateLimit) } : { active: false, reason: result.reason };
  }
  const { principal, usage } = result;
  const narrowing = principal.credential.permissions;
  return {
    active: true,
    token_id: principal.credential.id,
    token_type: bearerKindOf(principal.credential.kind),
    user_id: principal.userId,
    organization_id: principal.organizationId,
    account_type: principal.accountType,
    roles: principal.roles,
    teams: principal.teams,
    permissions: principal.permissions,
    is_super_admin: principal.isSuperAdmin,
    platform_admin: principal.platformAdmin,
    ...(narrowing ? { scope: narrowing.join(' ') } : {}),
    expires_at: principal.credential.expiresAt,
    ...(usage?.rateLimit && { rate_limit: rateLimitView(usage.rateLimit) }),
    ...(usage?.creditsRemaining !== undefined && { credits_remaining: usage.creditsRemaining }),
  };
}

function rateLimitView(state: RateLimitState): RateLimitView {
  return { limit: state.limit, window_seconds: state.windowSeconds, remaining: state.remaining, reset_at: new Date(state.resetAt).toISOString() };
}

/** What a verified credential is: only bearer credentials verify (a client's secret or key authenticates it elsewhere). */
function bearerKindOf(kind: PrincipalView['credential']['kind']): ActiveTokenIntrospection['token_type'] {
  if (kind === 'session' || kind === 'api_token' || kind === 'access_token') return kind;
  throw new RangeError(`a ${kind} is not a bearer credential`);
}

/**
 * The introspection a caller may see: another organization's credential answers exactly as
 * an unknown one does, whatever its state, and why a credential is inactive is said only to
 * a caller who may read its organization's tokens.
 */
export function introspectionFor(result: VerificationResult, caller: Principal): TokenIntrospection {
  const organizationId = result.ok ? result.principal.organizationId : result.organizationId;
  const seen: VerificationResult = organizationId !== undefined && organizationId !== caller.organizationId ? { ok: false, reason: 'unknown' } : result;
  return introspectionOf(seen, holdsOrganizationWide(caller, 'tokens:read'));
}

/** The caller an active introspection describes, as `verifyCredential` would have found it in Redis. */
export function principalOfIntrospection(answer: Extract<TokenIntrospection, { active: true }>): PrincipalView {
  const expiresAt = answer.expires_at;
  const narrowing = answer.scope === undefined ? undefined : answer.scope.split(' ').filter(Boolean);
  return {
    userId: answer.user_id,
    organizationId: answer.organization_id,
    accountType: answer.account_type,
    roles: answer.roles,
    teams: answer.teams,
    permissions: answer.permissions,
    isSuperAdmin: answer.is_super_admin,
    platformAdmin: answer.platform_admin,
    credential: narrowing
      ? { kind: answer.token_type, id: answer.token_id, expiresAt, permissions: narrowing }
      : { kind: answer.token_type, id: answer.token_id, expiresAt },
  };
}

/** A read model record's JSON, or null when absent or not an object (which a decision takes as absent, failing closed). */
export function parseJson<T>(json: string | null): T | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as T) : null;
  } catch {
    return null;
  }
}
