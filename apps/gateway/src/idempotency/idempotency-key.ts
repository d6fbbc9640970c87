import { hash } from 'node:crypto';
import { CommonErrorCode, ErrorPayload, WardenError } from '@warden/contracts';

// The pure rules of idempotency keys at the gateway: which header values are
// keys, what a "same request" is, what may be kept and replayed, and what a retry gets.

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on an answer that is a replay of the first request's. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** How long a key is honoured, counted from the first request's answer. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** The methods whose requests honour a key. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);
/** The answer headers kept and replayed with the body; anything else (correlation id, date) is the retry's own. */
export const REPLAYED_HEADERS = ['content-type', 'cache-control', 'location'] as const;

// Visible ASCII with inner spaces: a UUID, a ULID, `order-42/attempt`; nothing a log line or a Redis key could trip on.
const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** The key of a request, `undefined` without the header; a malformed one is a 400 naming the header. */
export function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = (message: string) =>
    new WardenError(CommonErrorCode.InvalidIdempotencyKey, `Idempotency-Key ${message}`, [{ field: 'headers.Idempotency-Key', message }]);
  if (Array.isArray(value)) throw problem('must be sent once');
  if (value.length === 0) throw problem('must not be empty');
  if (value.length > IDEMPOTENCY_KEY_MAX_LENGTH) throw problem(`must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
  if (!KEY_PATTERN.test(value)) throw problem('must be printable ASCII without leading or trailing spaces');
  return value;
}

/** The caller a key belongs to: two callers (even two credentials of one account) never share a key. */
export interface KeyOwner {
  userId: string;
  credential: { kind: string; id: string };
}

/** Where a key's record lives; hashed, so the key's characters never reach the Redis key. */
export function idempotencyRecordKey(keyPrefix: string, owner: KeyOwner, key: string): string {
  const scope = JSON.stringify([owner.userId, owner.credential.kind, owner.credential.id, key]);
  return `${keyPrefix}idempotency:${hash('sha256', scope, 'hex')}`;
}

/**
 * What the services get of a key (RequestContext.idempotencyFingerprint): a hash of the
 * caller, the key and the request, never the key. The same retry gets the same one, and the
 * services derive their new entities' ids from it; another request with the key, or the key
 * of another caller, gets another.
 */
export function keyFingerprint(owner: KeyOwner, key: string, requestFingerprint: string): string {
  return hash('sha256', JSON.stringify(['idempotency-key', owner.userId, owner.credential.kind, owner.credential.id, key, requestFingerprint]), 'hex');
}

// The fingerprint of each request holding a key, for the context its commands carry.
const keyFingerprints = new WeakMap<object, string>();

export function attachKeyFingerprint(request: object, fingerprint: string): void {
  keyFingerprints.set(request, fingerprint);
}

/** The key's fingerprint of a request, `undefined` without an `Idempotency-Key`. */
export function keyFingerprintOf(request: object): string | undefined {
  return keyFingerprints.get(request);
}

/** JSON with object keys sorted, so a retry that serializes its body in another order is the same request. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests the same: method, path with query, and body. Only this hash is kept, never the body. */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return hash('sha256', `${method.toUpperCase()} ${url}\n${canonicalJson(body)}`, 'hex');
}

// Field names that hold a credential in an answer: an API token (`token`, or the
// `api_token.token` a service user is created with), a login key (`key`), or anything
// named as a password or secret.
const SECRET_FIELDS: ReadonlySet<string> = new Set(['token', 'key', 'password', 'secret']);

/** Whether an answer carries a secret anywhere in its body. */
export function holdsSecret(body: unknown): boolean {
  if (Array.isArray(body)) return body.some(holdsSecret);
  if (typeof body !== 'object' || body === null) return false;
  return Object.entries(body as Record<string, unknown>).some(
    ([name, value]) => (SECRET_FIELDS.has(name) && typeof value === 'string' && value.length > 0) || holdsSecret(value),
  );
}

/** The ids an answer names (its own, and a token issued with it), for the detail of a withheld replay. */
export function idsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const ids: string[] = [];
  const { id, api_token: apiToken } = body as { id?: unknown; api_token?: unknown };
  if (typeof id === 'string') ids.push(id);
  if (typeof apiToken === 'object' && apiToken !== null && typeof (apiToken as { id?: unknown }).id === 'string') {
    ids.push((apiToken as { id: string }).id);
  }
  return ids;
}

/** What a key's record in Redis holds. */
export type IdempotencyRecord =
  | { state: 'in_progress'; fingerprint: string; lock: string }
  | { state: 'answered'; fingerprint: string; status: number; headers: Record<string, string>; body: unknown }
  | { state: 'failed'; fingerprint: string; problem: ErrorPayload }
  | { state: 'withheld'; fingerprint: string; status: number; ids: string[] };

/** A finished request's record: everything but the lock. */
export type FinishedRecord = Exclude<IdempotencyRecord, { state: 'in_progress' }>;

/** A finished record that a retry gets again as it was. */
export type ReplayableRecord = Extract<IdempotencyRecord, { state: 'answered' | 'failed' }>;

/** What a retry gets from the record of its key: a replay of the first answer, or a problem. */
export function replayOf(record: IdempotencyRecord, fingerprint: string): ReplayableRecord {
  if (record.fingerprint !== fingerprint) {
    throw new WardenError(
      CommonErrorCode.IdempotencyKeyReused,
      'This Idempotency-Key was used for another request (method, path or body); use a new key for a new request',
    );
  }
  switch (record.state) {
    case 'in_progress':
      throw new WardenError(
        CommonErrorCode.IdempotencyRequestInProgress,
        'The first request with this Idempotency-Key is still being served; retry once it is answered',
      );
    case 'withheld':
      throw new WardenError(
        CommonErrorCode.IdempotentReplayWithheld,
        `The first request with this Idempotency-Key succeeded (${record.status}${record.ids.length > 0 ? `, id ${record.ids.join(', ')}` : ''}); ` +
          'its answer held a secret, which is shown once and not kept. Rotate the token for a new secret.',
      );
    case 'answered':
    case 'failed':
      return record;
    default: {
      const _exhaustive: never = record;
      return _exhaustive;
    }
  }
}

/**
 * Whether a failed first request's answer is kept for its retries. An answer that tells the
 * client to try again (a 5xx, 429, a concurrent modification) is not: the retry runs again.
 * Every other refusal is the answer to that request, and the retry gets it again.
 */
export function keepsFailure(problem: ErrorPayload, status: number): boolean {
  return status < 500 && status !== 429 && problem.code !== CommonErrorCode.ConcurrencyConflict;
}

/**
 * The record of a successful first answer. One that carries a secret is withheld rather
 * than kept: a token's secret is shown once and only its SHA-256 is stored, and an
 * encrypted copy would be a second place the secret lives for a day, readable with one
 * config value. The retry learns instead that the first request succeeded and which token
 * it made, so the client rotates that token for a fresh secret and no duplicate is created.
 */
export function answeredRecord(fingerprint: string, status: number, headers: Record<string, string>, body: unknown): FinishedRecord {
  if (holdsSecret(body)) return { state: 'withheld', fingerprint, status, ids: idsOf(body) };
  return { state: 'answered', fingerprint, status, headers, body: body ?? null };
}
