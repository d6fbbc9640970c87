import { hash as oneShotHash, createHash } from 'node:crypto';
import { VERIFICATION_KEY_TAG } from './verification-keys';

// The wire format of every Warden secret (login session keys now, API tokens later),
// shared by whoever mints, verifies or scans for them:
//
//   wdn_s_ <32 base62 chars: 190 random bits> <6 base62 chars: CRC32 of everything before>
//   wdn_p_ ...                                 (API tokens)
//   wdn_c_ ...                                 (OAuth client secrets: only at the token endpoint)
//
// The readable prefix lets a secret scanner recognise a leaked secret and tells a human
// what it is; the checksum rejects a mistyped or truncated secret without any lookup.
// Only the SHA-256 of a secret is ever stored; the record it keys is described below.

/** What a bearer credential kept in the credential read model by its secret's hash is. */
export type CredentialKind = 'session' | 'api_token';

/**
 * Every kind of Warden secret. A client secret authenticates a service account at the OAuth
 * token endpoint and nowhere else: it is never a bearer credential, so no record is kept
 * under its hash and every verifier refuses it without a lookup.
 */
export type SecretKind = CredentialKind | 'client_secret';

export const SECRET_PREFIXES: Readonly<Record<SecretKind, string>> = {
  session: 'wdn_s_',
  api_token: 'wdn_p_',
  client_secret: 'wdn_c_',
};

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 base62 characters: log2(62) * 32 = 190 bits. */
export const SECRET_BODY_LENGTH = 32;
/** 62^6 > 2^32, so any CRC32 fits. */
export const SECRET_CHECKSUM_LENGTH = 6;

const BODY_PATTERN = new RegExp(`^[0-9A-Za-z]{${SECRET_BODY_LENGTH}}$`);
const SECRET_LENGTH = 6 + SECRET_BODY_LENGTH + SECRET_CHECKSUM_LENGTH;

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib) of an ASCII string. */
export function crc32(ascii: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) crc = CRC32_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The 6-character base62 checksum of a secret's prefix and body. */
export function secretChecksum(prefixAndBody: string): string {
  let value = crc32(prefixAndBody);
  let out = '';
  for (let i = 0; i < SECRET_CHECKSUM_LENGTH; i++) {
    out = BASE62_ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Assembles a secret from a random body (see the tokens domain's generateSecret). */
export function formatSecret(kind: SecretKind, body: string): string {
  if (!BODY_PATTERN.test(body)) throw new RangeError(`a secret body is ${SECRET_BODY_LENGTH} base62 characters`);
  const prefixAndBody = SECRET_PREFIXES[kind] + body;
  return prefixAndBody + secretChecksum(prefixAndBody);
}

export interface ParsedSecret {
  kind: SecretKind;
  /** The whole secret, as presented (what is hashed). */
  secret: string;
}

/**
 * The secret's kind, or null when it is not a well-formed Warden secret: wrong length,
 * unknown prefix, a character outside base62, or a checksum that does not match. No
 * lookup happens here, so a typo or a random string never reaches Redis.
 */
export function parseSecret(presented: string): ParsedSecret | null {
  if (typeof presented !== 'string' || presented.length !== SECRET_LENGTH) return null;
  const kind = (Object.keys(SECRET_PREFIXES) as SecretKind[]).find((k) => presented.startsWith(SECRET_PREFIXES[k]));
  if (!kind) return null;
  const prefixLength = SECRET_PREFIXES[kind].length;
  const body = presented.slice(prefixLength, prefixLength + SECRET_BODY_LENGTH);
  if (!BODY_PATTERN.test(body)) return null;
  const checksum = presented.slice(prefixLength + SECRET_BODY_LENGTH);
  if (checksum !== secretChecksum(presented.slice(0, prefixLength + SECRET_BODY_LENGTH))) return null;
  return { kind, secret: presented };
}

// crypto.hash (one shot, Node 20.12+/21.7+) is 2-3x createHash on short inputs (measured).
const sha256: (value: string, encoding: 'hex' | 'binary') => string =
  typeof oneShotHash === 'function'
    ? (value, encoding) => oneShotHash('sha256', value, encoding)
    : (value, encoding) => createHash('sha256').update(value).digest(encoding);

/** What the read model is keyed by: SHA-256 of the secret, lowercase hex. */
export function secretHash(secret: string): string {
  return sha256(secret, 'hex');
}

/**
 * The same SHA-256 as 32 bytes in a one-byte string: what a verifier's in-process cache is
 * keyed by (48 bytes of memory a key instead of 80 for the hex); `secretHashOfDigest` gives
 * the read model's key from it.
 */
export function secretDigest(secret: string): string {
  return sha256(secret, 'binary');
}

export function secretHashOfDigest(digest: string): string {
  return Buffer.from(digest, 'latin1').toString('hex');
}

/** The last four characters, for listings ("wdn_p_…a1B2"); they are checksum characters, not secret ones. */
export function secretLastFour(secret: string): string {
  return secret.slice(-4);
}

export type CredentialStatus = 'active' | 'revoked';

/** JSON value at `credentialKey(secretHash)`, written by the tokens service's read model. */
export interface CredentialRecord {
  kind: CredentialKind;
  /** The session id or the API token id. */
  credentialId: string;
  userId: string;
  organizationId: string;
  /** ISO-8601; null for a credential that does not expire. */
  expiresAt: string | null;
  status: CredentialStatus;
  /** Exact origins a public API token is valid from; absent = valid from anywhere. */
  allowedOrigins?: string[];
  /**
   * When this secret was issued: an API token's at issue or at a rotation (with the
   * organization's `maxTokenLifetimeSeconds`, its policy record, it caps the secret's life
   * at use); a session's at login (a session from before its user's last deactivation
   * stays ended).
   */
  issuedAt?: string;
  /** API tokens narrowed to some permissions: the owner's current ones are intersected with these. */
  permissions?: string[];
  /** An API token switched off without being revoked (it works again once enabled). */
  disabledAt?: string;
  /**
   * A rotated-out secret of an API token: when its grace period ends. A refusal after it
   * says `rotated_out` rather than `expired`.
   */
  rotatedOutAt?: string;
  /** An API token's usage policy, applied by the verification script in the lookup's own round trip. */
  usage?: CredentialUsage;
}

/**
 * What the verification script applies (see `verify-credential-5.lua`): present only on a
 * token with an IP allowlist, a rate limit or credits.
 */
export interface CredentialUsage {
  /** The client address must be in one of the allowed blocks, indexed by `allowedIpIndex`. */
  ips?: Record<string, string>;
  /** At most `limit` accepted verifications per fixed window of `windowMs` (windows start at multiples of it from the epoch). */
  rate?: { limit: number; windowMs: number };
  /**
   * Uses left: `amount` from the grant numbered `grant` (each change of the credits is a new
   * grant), made at `grantedAtMs`; with a refill, topped up to `refillAmount` every `refillMs`.
   */
  credits?: { grant: number; amount: number; grantedAtMs: number; refillAmount?: number; refillMs?: number };
}

/**
 * Redis hash of the API tokens' usage counters (rate limit windows, credits left), after
 * REDIS_KEY_PREFIX: usage state, not events, so it lives outside the credential read model's
 * generations and a replay leaves it as it is.
 */
export const tokenUsageKey = (keyPrefix: string) => `${keyPrefix}${VERIFICATION_KEY_TAG}token-usage`;

/**
 * How long an API token's credential record outlives the end of its secret (expiry, or a
 * rotation's grace period) before Redis evicts it: within it a refusal names the cause
 * (`expired`, `rotated_out`); after it the secret is as `unknown` as one never issued.
 */
export const ENDED_CREDENTIAL_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** Redis key (after the prefix of its generation, `credentialGenerationPrefix`) of the record of the credential whose secret hashes to `hash`. */
export const credentialKey = (hash: string) => `credential:${hash}`;

/**
 * Redis hash of every organization's token policy (field: the organization id), written by
 * the users service, after REDIS_KEY_PREFIX and VERIFICATION_KEY_TAG: the verifier reads it in
 * the same round trip as the credential and principal.
 */
export const ORGANIZATION_POLICIES = 'organization-policies';

/** The full Redis key of the organizations' token policies. */
export const organizationPoliciesKey = (keyPrefix: string) => keyPrefix + VERIFICATION_KEY_TAG + ORGANIZATION_POLICIES;

/** JSON value of an organization's field in the token policies. */
export interface OrganizationPolicyRecord {
  organizationId: string;
  /** Longest a token secret may live from its issue; null: no limit. */
  maxTokenLifetimeSeconds: number | null;
  /** Lifetime of an OAuth access token it grants; a record without it: DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS. */
  accessTokenLifetimeSeconds?: number;
  /** How long before a token's expiry each `TokenExpiring` warning is given; a record without it: DEFAULT_EXPIRY_WARNING_LEAD_SECONDS. */
  expiryWarningLeadSeconds?: number[];
  /** What a token found leaked undergoes; a record without it: `revoke`. */
  leakedTokenAction?: LeakedTokenAction;
  /** Tokens unused for this many days are disabled; null or absent: never. */
  disableUnusedAfterDays?: number | null;
}

export type LeakedTokenAction = (typeof LEAKED_TOKEN_ACTIONS)[number];
/** An organization's expiry warnings unless it sets its own: seven days and one day before. */
export const DEFAULT_EXPIRY_WARNING_LEAD_SECONDS: readonly number[] = [7 * 86_400, 86_400];
/** The bounds of an organization's expiry warning lead times: a minute to 90 days, at most five of them. */
export const MIN_EXPIRY_WARNING_LEAD_SECONDS = 60;
export const MAX_EXPIRY_WARNING_LEAD_SECONDS = 90 * 86_400;
export const MAX_EXPIRY_WARNINGS = 5;
/** The longest an organization may let a token go unused before it is disabled. */
export const MAX_UNUSED_DAYS = 3_650;
export const LEAKED_TOKEN_ACTIONS = ['revoke', 'disable'] as const;

/**
 * Redis hash (after REDIS_KEY_PREFIX) where gateways leave the last use of each API token
 * (field: token id, value: epoch milliseconds); the tokens service turns it into
 * `TokenUsed` events at an interval, so no event is written per request.
 */
export const TOKEN_LAST_USED_KEY = 'token-last-used';
