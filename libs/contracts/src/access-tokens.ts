import { createHmac, timingSafeEqual } from 'node:crypto';

// An OAuth 2.0 access token, as the token endpoint grants it: opaque to its holder, and
// derived from what is recorded rather than recorded itself, so a grant costs no store
// round trip of its own:
//
//   wdn_at_<key id>.<claims: base64url JSON>.<HMAC-SHA256 of everything before: base64url>
//
// The claims name the grant, the service account (the OAuth client), the client
// credential it authenticated with (a client secret, a key, a federation rule), when it
// was granted, when it ends and the scope. A verifier checks the MAC under the key named,
// then reads in one Redis round trip the account's OAuth client record (is that credential
// still live, was this grant revoked?), its principal record and its organization's policy.
// So revoking the credential, revoking the grant (RFC 7009), deactivating the account or
// lowering its permissions refuses the token from that moment, which a self-contained JWT
// could not do before it expired.

export const ACCESS_TOKEN_PREFIX = 'wdn_at_';
const KEY_ID_PATTERN = /^[0-9A-Za-z]{8,32}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const MAC_LENGTH = 43; // 32 bytes, base64url without padding

export interface AccessTokenClaims {
  /** The grant: what RFC 7009 revokes, and what the audit log records. */
  grantId: string;
  /** The service account (`client_id`, the token's `sub`). */
  accountId: string;
  /** The client credential the grant was made through (a client secret's id, a key's id, a federation rule's id). */
  credentialId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /** The permissions granted; null: the account's own, whatever they are at each use. */
  scope: string[] | null;
}

/** A key that signs access tokens: an id and 32 random bytes. */
export interface AccessTokenKey {
  id: string;
  secret: Buffer;
}

interface WireClaims {
  g: string;
  a: string;
  c: string;
  i: number;
  e: number;
  s: string[] | null;
}

const mac = (signed: string, secret: Buffer) => createHmac('sha256', secret).update(signed).digest('base64url');

export function isAccessTokenKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** The token for `claims`, signed with `key`. */
export function formatAccessToken(claims: AccessTokenClaims, key: AccessTokenKey): string {
  if (!isAccessTokenKeyId(key.id)) throw new RangeError('an access token key id is 8 to 32 base62 characters');
  const wire: WireClaims = { g: claims.grantId, a: claims.accountId, c: claims.credentialId, i: claims.issuedAt, e: claims.expiresAt, s: claims.scope };
  const signed = `${ACCESS_TOKEN_PREFIX}${key.id}.${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
  return `${signed}.${mac(signed, key.secret)}`;
}

/** A presented access token taken apart, its MAC not yet checked. */
export interface PresentedAccessToken {
  keyId: string;
  claims: AccessTokenClaims;
  signed: string;
  mac: string;
}

export function looksLikeAccessToken(presented: string): boolean {
  return typeof presented === 'string' && presented.startsWith(ACCESS_TOKEN_PREFIX);
}

/** The token's parts, or null when it is not one in form (no lookup, no MAC check yet). */
export function readAccessToken(presented: string): PresentedAccessToken | null {
  if (!looksLikeAccessToken(presented)) return null;
  const parts = presented.slice(ACCESS_TOKEN_PREFIX.length).split('.');
  if (parts.length !== 3) return null;
  const [keyId, payload, presentedMac] = parts as [string, string, string];
  if (!isAccessTokenKeyId(keyId) || !BASE64URL_PATTERN.test(payload) || presentedMac.length !== MAC_LENGTH || !BASE64URL_PATTERN.test(presentedMac)) return null;
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const claims = claimsOf(wire);
  return claims && { keyId, claims, signed: presented.slice(0, presented.length - MAC_LENGTH - 1), mac: presentedMac };
}

/** Whether the token was signed with `secret` (compared in constant time). */
export function accessTokenSignedWith(token: PresentedAccessToken, secret: Buffer): boolean {
  const expected = Buffer.from(mac(token.signed, secret));
  const presented = Buffer.from(token.mac);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

function claimsOf(wire: unknown): AccessTokenClaims | null {
  if (typeof wire !== 'object' || wire === null) return null;
  const { g, a, c, i, e, s } = wire as Partial<WireClaims>;
  const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 64;
  const seconds = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
  if (!text(g) || !text(a) || !text(c) || !seconds(i) || !seconds(e)) return null;
  if (s !== null && !(Array.isArray(s) && s.every((permission) => typeof permission === 'string'))) return null;
  return { grantId: g, accountId: a, credentialId: c, issuedAt: i, expiresAt: e, scope: s === null || s === undefined ? null : [...s] };
}

/**
 * Redis hash (after REDIS_KEY_PREFIX) of the keys access tokens are signed with: field the
 * key id, value `AccessTokenKeyRecord` JSON; the newest signs. A key is never changed once
 * written, so a verifier keeps those it has read; the tokens service adds a new one at an
 * interval and retires old ones once every token they signed has expired.
 */
export const ACCESS_TOKEN_KEYS_KEY = 'oauth:access-token-keys';

export interface AccessTokenKeyRecord {
  /** 32 random bytes, base64url. */
  secret: string;
  createdAt: string;
}
