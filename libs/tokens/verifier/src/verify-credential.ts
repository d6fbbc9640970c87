import { Principal, holdsOrganizationWide, principalOf, viewFieldsOf } from '@warden/access';
import type { Redis } from 'ioredis';
import { verifyAccessToken } from './access-token-verification';
import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  CommonErrorCode,
  CredentialKind,
  CredentialRecord,
  OrganizationPolicyRecord,
  PrincipalRecord,
  PrincipalView,
  TokenIntrospection,
  WardenError,
  credentialKey,
  looksLikeAccessToken,
  parseSecret,
  secretHash,
} from '@warden/contracts';

// Verifies a presented secret (login session key or API token) against the read models in
// Redis: the tokens service's credential record, keyed by the secret's SHA-256, and the
// users service's principal record of its owner. The lookup is by hash, so no secret is
// ever compared in JavaScript and there is no timing side channel to make constant-time.
//
// There is deliberately no in-process cache: each verification reads Redis, so a revoked
// credential or a deactivated owner is refused from the moment the read model says so.
// With ioredis' `enableAutoPipelining`, concurrent verifications share round trips.

export type VerificationFailure =
  /** Not a Warden secret, or a checksum mismatch: rejected without touching Redis. */
  | 'malformed'
  /** No credential with that hash (never issued, or expired and evicted by Redis). */
  | 'unknown'
  | 'expired'
  | 'revoked'
  /** The owner is deactivated, deleted, has no principal record, or (an API token) is no longer a service account. */
  | 'owner_inactive'
  /** A public API token presented from an origin outside its allowlist. */
  | 'origin_not_allowed'
  /** Warden's introspection answered inactive without saying why (a credential without `tokens:read`, or another organization's token). */
  | 'inactive';

/**
 * A refusal of a credential that exists says which organization it belongs to, so that an
 * introspection by another organization can answer it as it answers an unknown one.
 */
export type VerificationResult = { ok: true; principal: PrincipalView } | { ok: false; reason: VerificationFailure; organizationId?: string };

/**
 * Decides a verification when the credential read model is not ready (lost, or being
 * rebuilt): the tokens service answers it from its event store with the same rules.
 */
export type VerificationFallback = (presented: string, origin: string | null) => Promise<VerificationResult>;

export interface VerifyCredentialOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX of the deployment (`warden:`). */
  keyPrefix: string;
  now: Date;
  /** The request's `Origin` header, checked against a public token's allowlist (exact match). */
  origin?: string | null;
  /** Asked while the read model is not ready; without one, verification then throws `CredentialReadModelUnavailableError`. */
  fallback?: VerificationFallback;
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

const VERIFY_COMMAND = 'wardenVerifyCredential';

// KEYS[1] the pointer to the credential read model's live generation; ARGV[1]
// REDIS_KEY_PREFIX; ARGV[2] the credential key, relative to the generation (whose prefix is
// `credentialGenerationPrefix` of the contracts, spelled out here). The pointer is written
// only once a generation is built (the base one, right under the prefix, is named by an
// empty string), so its absence says the read model is lost or half rebuilt (a record
// there may predate its revocation): the script answers NOT_READY and the caller asks the
// tokens service instead. A replay swapped in by switching the pointer is seen by the very
// next verification, never half. Otherwise it reads the record, then the principal record
// of the user it names and, unless it is a session's (sessions have no lifetime cap; a record
// that only might be one still gets its policy), its organization's token policy, and returns
// all three (nil where absent): one round trip for the whole decision. The owner and organization ids are
// cut out of the record's JSON with plain string searches rather than decoded: in JSON text
// an unescaped `"userId":"` can only be that key (a quote inside a string value is always
// escaped), and Node checks the principal it gets against the record it decodes, so a
// record that is not what it should be fails closed. The other keys are derived inside the
// script, which standalone Redis allows; in Redis Cluster they would need to share a hash
// tag (a deployment-wide `{warden}:` prefix), since a script may only touch keys of one slot.
const VERIFY_SCRIPT = `
local generation = redis.call('GET', KEYS[1])
if not generation then return 1 end
local base = ARGV[1]
if generation ~= '' then base = base .. 'credential-read-model:gen:' .. generation .. ':' end
local credential = redis.call('GET', base .. ARGV[2])
if not credential then return {} end
local _, at = string.find(credential, '"userId":"', 1, true)
if not at then return {credential} end
local owner = string.sub(credential, at + 1, string.find(credential, '"', at + 1, true) - 1)
local principal = redis.call('GET', ARGV[1] .. 'principal:' .. owner)
local policy = false
_, at = string.find(credential, '"organizationId":"', 1, true)
if at and not string.find(credential, '"kind":"session"', 1, true) then
  policy = redis.call('GET', ARGV[1] .. 'organization-policy:' .. string.sub(credential, at + 1, string.find(credential, '"', at + 1, true) - 1))
end
return {credential, principal, policy}
`;

/** NOT_READY (1), or the credential, principal and policy records (absent ones missing or nil). */
export type VerifyReply = 1 | [(string | null)?, (string | null)?, (string | null)?];
type VerifyCommand = (generationKey: string, keyPrefix: string, credentialKey: string) => Promise<VerifyReply>;

/**
 * Defines the verification script on a client. Call it when the client is set up: with
 * auto-pipelining, a command defined while a pipeline is already collecting commands is
 * missing from that pipeline and misaligns its replies (ioredis #1931).
 */
export function prepareCredentialVerifier(redis: Redis): void {
  if (!(VERIFY_COMMAND in redis)) {
    // Sent as EVALSHA; ioredis falls back to EVAL once if Redis lost the script.
    redis.defineCommand(VERIFY_COMMAND, { numberOfKeys: 1, lua: VERIFY_SCRIPT });
  }
}

function verifyCommandOf(redis: Redis): VerifyCommand {
  prepareCredentialVerifier(redis);
  return (redis as unknown as Record<typeof VERIFY_COMMAND, VerifyCommand>)[VERIFY_COMMAND];
}

/**
 * The one round trip: the record at `recordKey` (relative to the live generation), its
 * owner's principal record and its organization's policy; or NOT_READY (1).
 */
export function readCredentialRecords(redis: Redis, keyPrefix: string, recordKey: string): Promise<VerifyReply> {
  return verifyCommandOf(redis).call(redis, keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY, keyPrefix, recordKey);
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
  const reply = await readCredentialRecords(options.redis, options.keyPrefix, credentialKey(secretHash(parsed.secret)));
  if (reply === 1) {
    if (!options.fallback) throw new CredentialReadModelUnavailableError();
    return options.fallback(presented, options.origin ?? null);
  }
  const [credentialJson = null, principalJson = null, policyJson = null] = reply;
  return decideVerification(parsed.kind, credentialJson, principalJson, options.now, options.origin, policyJson);
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
): VerificationResult {
  const credential = parseJson<CredentialRecord>(credentialJson);
  // A record of another kind under this hash cannot come from this secret; fail closed.
  if (!credential || credential.kind !== kind) return { ok: false, reason: 'unknown' };
  const refused = (reason: Exclude<VerificationFailure, 'malformed' | 'unknown'>): VerificationResult => ({
    ok: false,
    reason,
    organizationId: credential.organizationId,
  });
  if (credential.status !== 'active') return refused('revoked');
  const expiresAt = credential.kind === 'api_token' ? effectiveExpiry(credential, parseJson<OrganizationPolicyRecord>(policyJson ?? null)) : credential.expiresAt;
  if (expiresAt !== null && !(Date.parse(expiresAt) > now.getTime())) return refused('expired');
  const owner = parseJson<PrincipalRecord>(principalJson);
  if (!owner || owner.status !== 'active' || owner.userId !== credential.userId || owner.organizationId !== credential.organizationId) {
    return refused('owner_inactive');
  }
  // Tokens belong to service accounts; an owner converted to a human account stops them.
  if (credential.kind === 'api_token' && owner.accountType === 'user') return refused('owner_inactive');
  // Deactivation ends a login for good: a session from before the owner's last deactivation
  // stays ended after a reactivation (one without a start time is refused, failing closed).
  if (credential.kind === 'session' && owner.sessionsNotBefore !== undefined && !(credential.issuedAt !== undefined && credential.issuedAt > owner.sessionsNotBefore)) {
    return refused('revoked');
  }
  // Compared byte for byte with the stored (normalized) origins: a browser's Origin header is
  // already in that form, and any other spelling of it fails closed.
  if (credential.allowedOrigins && (!origin || !credential.allowedOrigins.includes(origin))) return refused('origin_not_allowed');
  const narrowedTo = credential.kind === 'api_token' && Array.isArray(credential.permissions) ? credential.permissions : null;
  const effective = principalOf(owner, narrowedTo);
  const credentialView: PrincipalView['credential'] = { kind: credential.kind, id: credential.credentialId, expiresAt };
  if (narrowedTo !== null) credentialView.permissions = [...narrowedTo];
  return { ok: true, principal: { ...viewFieldsOf(effective), credential: credentialView } };
}

/**
 * When the secret stops working: its own expiry, and for an API token the organization's
 * maximum lifetime counted from the secret's issue (enforced at use, so lowering the
 * setting shortens the tokens already out).
 */
function effectiveExpiry(credential: CredentialRecord, policy: OrganizationPolicyRecord | null): string | null {
  const cap = credential.kind === 'api_token' ? policy?.maxTokenLifetimeSeconds : undefined;
  if (typeof cap !== 'number' || typeof credential.issuedAt !== 'string') return credential.expiresAt;
  const capped = Date.parse(credential.issuedAt) + cap * 1000;
  if (credential.expiresAt !== null && Date.parse(credential.expiresAt) <= capped) return credential.expiresAt;
  return new Date(capped).toISOString();
}

/**
 * RFC 7662-style answer for a verification. The reason for an inactive token is given only
 * to a caller allowed to see it (`revealReason`); anyone else learns `active: false`.
 */
export function introspectionOf(result: VerificationResult, revealReason: boolean): TokenIntrospection {
  if (!result.ok) return revealReason ? { active: false, reason: result.reason } : { active: false };
  const { principal } = result;
  const narrowing = principal.credential.permissions;
  return {
    active: true,
    token_id: principal.credential.id,
    token_type: principal.credential.kind,
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
  };
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
