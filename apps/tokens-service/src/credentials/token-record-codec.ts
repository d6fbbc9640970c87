// How a token's record is kept at `token:<id>`: a JSON array of the fields every token has,
// in a fixed order, then an object of only the fields whose value is not their default (no
// expiry, no narrowing, one secret issued with the token, never used, revoked, rotated or
// disabled, no description, metadata or usage policy). The token id is the key's own. A
// plain token's record is a third of its JSON object (about 170 bytes instead of 580), which
// is most of what Redis holds per token.
//
// A record written before this layout (a JSON object with every field) still reads: a
// generation replayed by this code writes the new layout, and until then both are read.
import type { TokenRecord } from './credential-read-model.projection';

type Rest = Partial<Omit<TokenRecord, StoredInOrder | 'tokenId'>>;
type StoredInOrder = 'organizationId' | 'ownerId' | 'name' | 'status' | 'visibility' | 'lastFour' | 'createdAt';
type StoredTokenRecord = [string, string, string, TokenRecord['status'], TokenRecord['visibility'], string, string, Rest?];

/** Whether the token has exactly the one secret it was issued with, which the record then leaves out. */
function onlyIssuedSecret(record: TokenRecord): boolean {
  const [secret, more] = record.secrets;
  return secret !== undefined && more === undefined && secret.lastFour === record.lastFour && secret.issuedAt === record.createdAt && secret.validUntil === null;
}

const isEmpty = (value: readonly unknown[] | Record<string, unknown> | null | undefined) =>
  value === null || value === undefined || (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);

/** The stored text of a token's record. */
export function encodeTokenRecord(record: TokenRecord): string {
  const rest: Rest = {};
  if (!isEmpty(record.allowedOrigins)) rest.allowedOrigins = record.allowedOrigins;
  if (record.expiresAt !== null) rest.expiresAt = record.expiresAt;
  if (record.permissions !== null) rest.permissions = record.permissions;
  if (!onlyIssuedSecret(record)) rest.secrets = record.secrets;
  if (record.lastUsedAt !== null) rest.lastUsedAt = record.lastUsedAt;
  if (record.revokedAt !== null) rest.revokedAt = record.revokedAt;
  if (record.rotatedAt !== null) rest.rotatedAt = record.rotatedAt;
  if (record.disabledAt != null) rest.disabledAt = record.disabledAt;
  if (record.description != null) rest.description = record.description;
  if (!isEmpty(record.metadata)) rest.metadata = record.metadata;
  if (!isEmpty(record.allowedIps)) rest.allowedIps = record.allowedIps;
  if (record.rateLimit != null) rest.rateLimit = record.rateLimit;
  if (record.credits != null) rest.credits = record.credits;
  const stored: StoredTokenRecord = [record.organizationId, record.ownerId, record.name, record.status, record.visibility, record.lastFour, record.createdAt];
  if (Object.keys(rest).length > 0) stored.push(rest);
  return JSON.stringify(stored);
}

/** The record of token `tokenId` from its stored text (either layout). */
export function decodeTokenRecord(tokenId: string, text: string): TokenRecord {
  if (text.startsWith('{')) return JSON.parse(text) as TokenRecord;
  const [organizationId, ownerId, name, status, visibility, lastFour, createdAt, rest = {}] = JSON.parse(text) as StoredTokenRecord;
  // Every field spelled out, in the order the projection writes them (see `tokenOps`).
  return {
    tokenId,
    organizationId,
    ownerId,
    name,
    status,
    visibility,
    allowedOrigins: rest.allowedOrigins ?? [],
    expiresAt: rest.expiresAt ?? null,
    permissions: rest.permissions ?? null,
    lastFour,
    secrets: rest.secrets ?? [{ lastFour, issuedAt: createdAt, validUntil: null }],
    createdAt,
    lastUsedAt: rest.lastUsedAt ?? null,
    revokedAt: rest.revokedAt ?? null,
    rotatedAt: rest.rotatedAt ?? null,
    disabledAt: rest.disabledAt ?? null,
    description: rest.description ?? null,
    metadata: rest.metadata ?? {},
    allowedIps: rest.allowedIps ?? [],
    rateLimit: rest.rateLimit ?? null,
    credits: rest.credits ?? null,
  };
}
