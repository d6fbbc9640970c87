import { randomBytes } from 'node:crypto';
import {
  ACCESS_TOKEN_KEYS_KEY,
  AccessTokenKey,
  AccessTokenKeyRecord,
  BASE62_ALPHABET,
  isAccessTokenKeyId,
} from '@warden/contracts';
import type { RedisClient } from '@warden/redis';

// The keys access tokens are signed with, kept in Redis beside the read models (so every
// gateway, every tokens service instance and a service verifying with the library in direct
// mode share them) and kept in memory once read: a key is never changed after it is
// written, only retired once every token it signed has expired, so a copy in memory can
// never accept what Redis would refuse. A key id not yet seen costs one more read.

const KEY_ID_LENGTH = 12;
const SECRET_BYTES = 32;
// A key made current by another instance is picked up this quickly (the one before still verifies).
const CURRENT_KEY_REREAD_MS = 60_000;

export class AccessTokenKeyring {
  private readonly known = new Map<string, Buffer>();
  private newest: { key: AccessTokenKey; readAt: number } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  /** The secret of the key named, or null when there is no such key (never was, or retired). */
  async secretOf(keyId: string): Promise<Buffer | null> {
    const known = this.known.get(keyId);
    if (known) return known;
    if (!isAccessTokenKeyId(keyId)) return null;
    const json = await this.redis.hget(this.keyPrefix + ACCESS_TOKEN_KEYS_KEY, keyId);
    if (json === null) return null;
    const secret = Buffer.from((JSON.parse(json) as AccessTokenKeyRecord).secret, 'base64url');
    if (secret.length !== SECRET_BYTES) return null;
    this.known.set(keyId, secret);
    return secret;
  }

  /** The key new tokens are signed with: the newest (read again at most every `CURRENT_KEY_REREAD_MS`); null until there is one. */
  async current(now = Date.now()): Promise<AccessTokenKey | null> {
    if (this.newest && now - this.newest.readAt < CURRENT_KEY_REREAD_MS) return this.newest.key;
    const records = await this.records();
    const newest = records[records.length - 1];
    if (!newest) return null;
    const key = { id: newest.id, secret: (await this.secretOf(newest.id))! };
    this.newest = { key, readAt: now };
    return key;
  }

  /**
   * Adds a new key when there is none or the newest is older than `rotateAfterMs` (new
   * tokens are then signed with it), and retires every key that a newer one replaced more
   * than `retireAfterMs` ago (longer than any access token lives). Two instances rotating
   * at once add two keys: both verify, and the newer signs.
   */
  async rotate(now: Date, rotateAfterMs: number, retireAfterMs: number): Promise<void> {
    const keysKey = this.keyPrefix + ACCESS_TOKEN_KEYS_KEY;
    let records = await this.records();
    const newest = records[records.length - 1];
    if (!newest || now.getTime() - Date.parse(newest.createdAt) >= rotateAfterMs) {
      const record: AccessTokenKeyRecord = { secret: randomBytes(SECRET_BYTES).toString('base64url'), createdAt: now.toISOString() };
      await this.redis.hset(keysKey, newKeyId(), JSON.stringify(record));
      records = await this.records();
      this.newest = undefined;
    }
    const retired = records.filter((_record, i) => {
      const successor = records[i + 1];
      return successor !== undefined && now.getTime() - Date.parse(successor.createdAt) > retireAfterMs;
    });
    if (retired.length > 0) await this.redis.hdel(keysKey, ...retired.map((record) => record.id));
  }

  /** Every key, oldest first. */
  private async records(): Promise<(AccessTokenKeyRecord & { id: string })[]> {
    const all = await this.redis.hgetall(this.keyPrefix + ACCESS_TOKEN_KEYS_KEY);
    return Object.entries(all)
      .map(([id, json]) => ({ id, ...(JSON.parse(json) as AccessTokenKeyRecord) }))
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
  }
}

function newKeyId(): string {
  let id = '';
  for (const byte of randomBytes(KEY_ID_LENGTH * 2)) {
    if (byte < 248) id += BASE62_ALPHABET[byte % 62];
    if (id.length === KEY_ID_LENGTH) break;
  }
  return id.length === KEY_ID_LENGTH ? id : newKeyId();
}

const keyrings = new WeakMap<RedisClient, Map<string, AccessTokenKeyring>>();

/** The keyring of a Redis client and key prefix, shared by every verification through them. */
export function accessTokenKeyringOf(redis: RedisClient, keyPrefix: string): AccessTokenKeyring {
  let byPrefix = keyrings.get(redis);
  if (!byPrefix) keyrings.set(redis, (byPrefix = new Map()));
  let keyring = byPrefix.get(keyPrefix);
  if (!keyring) byPrefix.set(keyPrefix, (keyring = new AccessTokenKeyring(redis, keyPrefix)));
  return keyring;
}
