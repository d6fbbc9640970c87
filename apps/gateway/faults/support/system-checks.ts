// What the fault tier checks once a fault is over, against the system's own database and
// Redis: the ledger of answered commands against the event stores, the event stores
// against the audit log, and the credential read model against a fold of the store.
import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  ENDED_CREDENTIAL_RETENTION_SECONDS,
  allowedIpIndex,
  credentialGenerationPrefix,
  credentialKey,
  normalizeAllowedIp,
} from '@warden/contracts';
import type { RedisClient } from '@warden/redis';
import type { Client } from 'pg';
import { MixedLoad } from './mixed-load';

export interface LedgerReport {
  /** Commands answered with success whose event the store lacks. */
  lost: string[];
  /** Commands answered with an error whose effect is in the store (in full: the other checks cover it). */
  appliedDespiteError: number;
}

/** Every command answered with success has its event in the store. */
export async function checkLedger(pg: Client, load: MixedLoad, usersBefore: number): Promise<LedgerReport> {
  const lost: string[] = [];
  const { rows: userRows } = await pg.query<{ stream_id: string }>(`SELECT DISTINCT stream_id FROM users.events WHERE stream_id LIKE 'user-%'`);
  const users = new Set(userRows.map((row) => row.stream_id));
  for (const id of load.accounts) if (!users.has(`user-${id}`)) lost.push(`service account ${id} created`);

  const { rows } = await pg.query<{ stream_id: string; type: string; count: string }>(
    `SELECT stream_id, type, count(*) AS count FROM tokens.events WHERE stream_id LIKE 'token-%' GROUP BY stream_id, type`,
  );
  const stored = new Map<string, Record<string, number>>();
  for (const row of rows) stored.set(row.stream_id, { ...stored.get(row.stream_id), [row.type]: Number(row.count) });
  let appliedDespiteError = Math.max(0, users.size - usersBefore - load.accounts.length);
  for (const token of load.tokens.values()) {
    const events = stored.get(`token-${token.tokenId}`) ?? {};
    if ((events['TokenIssued'] ?? 0) !== 1) lost.push(`token ${token.tokenId} issued`);
    const rotations = events['TokenRotated'] ?? 0;
    if (rotations < token.rotationsAnswered) lost.push(`token ${token.tokenId}: ${token.rotationsAnswered - rotations} rotation(s)`);
    appliedDespiteError += Math.max(0, rotations - token.rotationsAnswered);
    if (rotations > token.rotationsAnswered + token.rotationsFailed) lost.push(`token ${token.tokenId}: rotated ${rotations} times, asked ${token.rotationsAnswered + token.rotationsFailed}`);
    const revoked = (events['TokenRevoked'] ?? 0) > 0;
    if (token.revoke === 'answered' && !revoked) lost.push(`token ${token.tokenId} revoked`);
    if (token.revoke === 'none' && revoked) lost.push(`token ${token.tokenId} revoked without being asked`);
    if (token.revoke === 'failed' && revoked) appliedDespiteError++;
  }
  const known = new Set([...load.tokens.keys()].map((id) => `token-${id}`));
  appliedDespiteError += [...stored.keys()].filter((stream) => !known.has(stream)).length;
  return { lost, appliedDespiteError };
}

/** Events of the users and tokens stores that the audit log does not hold. */
export async function eventsMissingFromAudit(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ missing: string }>(
    `SELECT count(*) AS missing FROM (
       SELECT event_id FROM users.events UNION ALL SELECT event_id FROM tokens.events
     ) stored
     WHERE NOT EXISTS (SELECT 1 FROM audit.audit_records record WHERE record.event_id = stored.event_id)`,
  );
  return Number(rows[0]!.missing);
}

export async function countUserStreams(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(`SELECT count(DISTINCT stream_id) AS n FROM users.events WHERE stream_id LIKE 'user-%'`);
  return Number(rows[0]!.n);
}

interface FoldedSecret {
  hash: string;
  lastFour: string;
  issuedAt: string;
  validUntil: string | null;
}
interface FoldedToken {
  tokenId: string;
  organizationId: string;
  ownerId: string;
  name: string;
  status: 'active' | 'revoked';
  visibility: string;
  allowedOrigins: string[];
  expiresAt: string | null;
  permissions: string[] | null;
  secrets: FoldedSecret[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  disabledAt: string | null;
  description: string | null;
  metadata: Record<string, string>;
  allowedIps: string[];
  rateLimit: { limit: number; windowSeconds: number } | null;
  credits: { amount: number; refill: { amount: number; intervalSeconds: number } | null; grant: number; grantedAt: string } | null;
  /** How many times the credits were set. */
  creditGrants: number;
}
type StoredEvent = { type: string; schema_version: number; data: Record<string, unknown> };

// The version of every token event's shape that foldToken reads. It folds on its own, without
// the service's code (its upcasters included), so a newer shape stops it instead of being
// folded as this one.
const FOLDED_SCHEMA_VERSION = 1;

/**
 * The token as its events say, folded here on its own, not with the service's decider or its
 * projection. This copy of the fold is on purpose: an independent oracle, so that a bug in the
 * projection cannot hide itself by being checked against itself.
 */
function foldToken(events: StoredEvent[]): FoldedToken | null {
  let token: FoldedToken | null = null;
  for (const { type, schema_version, data } of events) {
    if (schema_version !== FOLDED_SCHEMA_VERSION) throw new Error(`the fault tier folds version ${FOLDED_SCHEMA_VERSION} of ${type}, not ${schema_version}`);
    const text = (field: string) => data[field] as string;
    const orNull = <T>(field: string) => (data[field] ?? null) as T | null;
    if (type === 'TokenIssued') {
      token = {
        tokenId: text('tokenId'),
        organizationId: text('organizationId'),
        ownerId: text('ownerId'),
        name: text('name'),
        status: 'active',
        visibility: text('visibility'),
        allowedOrigins: data['allowedOrigins'] as string[],
        expiresAt: orNull<string>('expiresAt'),
        permissions: orNull<string[]>('permissions'),
        secrets: [{ hash: text('secretHash'), lastFour: text('lastFour'), issuedAt: text('issuedAt'), validUntil: null }],
        createdAt: text('issuedAt'),
        ...unsetTokenFields(),
        creditGrants: 0,
      };
      continue;
    }
    if (token === null) continue;
    const current: FoldedToken = token;
    if (type === 'TokenRevoked') token = { ...current, status: 'revoked', revokedAt: text('revokedAt') };
    else if (type === 'TokenRotated') {
      const secrets = current.secrets.map((secret) => (secret.hash === text('previousSecretHash') ? { ...secret, validUntil: text('previousValidUntil') } : secret));
      secrets.push({ hash: text('secretHash'), lastFour: text('lastFour'), issuedAt: text('rotatedAt'), validUntil: null });
      token = { ...current, secrets, rotatedAt: text('rotatedAt') };
    } else if (type === 'TokenGraceShortened') {
      const shortened = data['secretHashes'] as string[];
      token = { ...current, secrets: current.secrets.map((secret) => (shortened.includes(secret.hash) ? { ...secret, validUntil: text('validUntil') } : secret)) };
    } else if (type === 'TokenReassigned') token = { ...current, ownerId: text('toUserId') };
    else if (type === 'TokenUsed') token = { ...current, lastUsedAt: text('usedAt') };
    else if (type === 'TokenDisabled') token = { ...current, disabledAt: text('disabledAt') };
    else if (type === 'TokenEnabled') token = { ...current, disabledAt: null };
    else if (type === 'TokenPolicyChanged') {
      const granted = data['creditsGranted'] === true;
      const creditGrants = current.creditGrants + (granted ? 1 : 0);
      const set = data['credits'] as { amount: number; refill: { amount: number; intervalSeconds: number } | null } | null;
      const credits =
        set === null ? null : granted || current.credits === null ? { ...set, grant: creditGrants, grantedAt: text('changedAt') } : { ...set, grant: current.credits.grant, grantedAt: current.credits.grantedAt };
      token = {
        ...current,
        description: orNull<string>('description'),
        metadata: data['metadata'] as Record<string, string>,
        allowedIps: data['allowedIps'] as string[],
        rateLimit: orNull<{ limit: number; windowSeconds: number }>('rateLimit'),
        credits,
        creditGrants,
      };
    }
  }
  return token;
}

function expectedViewOf(token: FoldedToken): Record<string, unknown> {
  const current = token.secrets[token.secrets.length - 1]!;
  return {
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
    secrets: token.secrets
      .filter((secret) => secret.validUntil === null || token.rotatedAt === null || Date.parse(secret.validUntil) > Date.parse(token.rotatedAt))
      .map(({ lastFour, issuedAt, validUntil }) => ({ lastFour, issuedAt, validUntil })),
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
    rotatedAt: token.rotatedAt,
    disabledAt: token.disabledAt,
    description: token.description,
    metadata: token.metadata,
    allowedIps: token.allowedIps,
    rateLimit: token.rateLimit,
    credits: token.credits && { amount: token.credits.amount, refill: token.credits.refill, grant: token.credits.grant, grantedAt: token.credits.grantedAt },
  };
}

/** A token's fields nothing has set yet: as it is issued, and as its stored record leaves them out. */
function unsetTokenFields() {
  return { lastUsedAt: null, revokedAt: null, rotatedAt: null, disabledAt: null, description: null, metadata: {}, allowedIps: [] as string[], rateLimit: null, credits: null };
}

/**
 * A token's record as the read model keeps it: the fields every token has, in a fixed order,
 * then only those not at their default (the tokens service's `encodeTokenRecord`), read here
 * on its own as the rest of this check folds the events on its own.
 */
function storedViewOf(tokenId: string, text: string): Record<string, unknown> {
  const [organizationId, ownerId, name, status, visibility, lastFour, createdAt, rest] = JSON.parse(text) as [string, string, string, string, string, string, string, object?];
  return {
    tokenId,
    organizationId,
    ownerId,
    name,
    status,
    visibility,
    allowedOrigins: [],
    expiresAt: null,
    permissions: null,
    lastFour,
    secrets: [{ lastFour, issuedAt: createdAt, validUntil: null }],
    createdAt,
    ...unsetTokenFields(),
    ...rest,
  };
}

/** The usage policy as a credential record carries it (the blocks in the script's index form). */
function expectedUsageOf(token: FoldedToken): Record<string, unknown> | undefined {
  if (token.allowedIps.length === 0 && token.rateLimit === null && token.credits === null) return undefined;
  const usage: Record<string, unknown> = {};
  if (token.allowedIps.length > 0) usage['ips'] = allowedIpIndex(token.allowedIps.map((cidr) => (normalizeAllowedIp(cidr) as { block: string }).block));
  if (token.rateLimit) usage['rate'] = { limit: token.rateLimit.limit, windowMs: token.rateLimit.windowSeconds * 1000 };
  if (token.credits) {
    const { grant, amount, grantedAt, refill } = token.credits;
    usage['credits'] = { grant, amount, grantedAtMs: Date.parse(grantedAt), ...(refill && { refillAmount: refill.amount, refillMs: refill.intervalSeconds * 1000 }) };
  }
  return usage;
}

/**
 * Differences between the credential read model in Redis and what the tokens store says:
 * each token's record, each of its secrets' credential records (absent once ended), and
 * its place in the organization's and owner's indexes. Empty when they agree.
 */
export async function credentialReadModelDifferences(pg: Client, redis: RedisClient, keyPrefix: string): Promise<string[]> {
  const { rows } = await pg.query<StoredEvent & { stream_id: string }>(
    `SELECT stream_id, type, schema_version, data FROM tokens.events WHERE stream_id LIKE 'token-%' ORDER BY stream_id, version`,
  );
  const streams = new Map<string, StoredEvent[]>();
  for (const { stream_id, ...event } of rows) streams.set(stream_id, [...(streams.get(stream_id) ?? []), event]);
  const generation = (await redis.get(keyPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY)) ?? '';
  const prefix = keyPrefix + credentialGenerationPrefix(generation);
  const now = Date.now();
  const differences: string[] = [];
  for (const [stream, events] of streams) {
    const token = foldToken(events);
    if (!token) continue;
    const expectedView = expectedViewOf(token);
    const view = await redis.get(`${prefix}token:${token.tokenId}`);
    const matches = (seen: string | null, expected: Record<string, unknown>) =>
      seen !== null && JSON.stringify(sortKeys(storedViewOf(token.tokenId, seen))) === JSON.stringify(sortKeys(expected));
    // The load keeps running (last uses are flushed as TokenUsed every few seconds), so a record
    // read after the whole log may show an event appended since: fold its stream again.
    let settledView = expectedView;
    if (!matches(view, expectedView) && view !== null) {
      const again = await pg.query<StoredEvent>(`SELECT type, schema_version, data FROM tokens.events WHERE stream_id = $1 ORDER BY version`, [stream]);
      const refolded = foldToken(again.rows);
      if (refolded) settledView = expectedViewOf(refolded);
    }
    if (!matches(view, settledView)) {
      differences.push(`${stream}: token record ${view === null ? 'missing' : `differs in ${differingFields(storedViewOf(token.tokenId, view), settledView)}`}`);
    }
    for (const [n, secret] of token.secrets.entries()) {
      const ends = [token.expiresAt, secret.validUntil].filter((at): at is string => at !== null).map(Date.parse);
      const end = ends.length > 0 ? Math.min(...ends) : null;
      // Kept past its end (to name why it is refused), then evicted.
      const evictedAt = end === null ? null : end + ENDED_CREDENTIAL_RETENTION_SECONDS * 1000;
      if (evictedAt !== null && Math.abs(evictedAt - now) < 1000) continue; // evicted right now: either answer is right
      const stored = await redis.get(prefix + credentialKey(secret.hash));
      if (evictedAt !== null && evictedAt < now) {
        if (stored !== null) differences.push(`${stream}: secret ${n} ended long ago but its credential record is still there`);
        continue;
      }
      const usage = expectedUsageOf(token);
      const expected = {
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
        ...(usage && { usage }),
      };
      if (stored === null || JSON.stringify(sortKeys(JSON.parse(stored))) !== JSON.stringify(sortKeys(expected))) {
        differences.push(`${stream}: credential record of secret ${n} ${stored === null ? 'missing' : 'differs'}`);
      }
    }
    if ((await redis.zscore(`${prefix}organization-tokens:${token.organizationId}`, token.tokenId)) === null) {
      differences.push(`${stream}: not in its organization's tokens`);
    }
    const ownerIndex = `${prefix}organization-tokens:${token.organizationId}:owner:${token.ownerId}`;
    if ((await redis.zscore(ownerIndex, token.tokenId)) === null) differences.push(`${stream}: not among its owner's tokens`);
    const revoked = (await redis.zscore(`${ownerIndex}:revoked`, token.tokenId)) !== null;
    if (revoked !== (token.status === 'revoked')) differences.push(`${stream}: ${revoked ? 'among' : 'not among'} its owner's revoked tokens`);
  }
  return differences;
}

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  const sorted = (inner: unknown): unknown =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? sortKeys(inner as Record<string, unknown>) : inner;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, sorted(inner)]),
  );
}

/** The fields of a record that differ from what was expected, each as `field: seen != expected`. */
function differingFields(seen: Record<string, unknown>, expected: Record<string, unknown>): string {
  const fields = [...new Set([...Object.keys(seen), ...Object.keys(expected)])].sort();
  return fields
    .filter((field) => JSON.stringify(seen[field]) !== JSON.stringify(expected[field]))
    .map((field) => `${field}: ${JSON.stringify(seen[field]) ?? 'absent'} != ${JSON.stringify(expected[field]) ?? 'absent'}`)
    .join('; ');
}
