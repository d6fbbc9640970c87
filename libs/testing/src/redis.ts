// Redis helpers for integration tests, each working on one test's key prefix only.
import type { Redis } from 'ioredis';

/** Every key under `prefix`, escaped for SCAN's glob. */
export async function redisKeysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return [...new Set(keys)].sort();
}

export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await redisKeysWithPrefix(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  return keys.length;
}

export type RedisValueDump =
  | { type: 'string'; value: string | null; expireAt: number }
  | { type: 'hash'; value: Record<string, string>; expireAt: number }
  | { type: 'set'; value: string[]; expireAt: number }
  | { type: 'zset'; value: string[]; expireAt: number }
  | { type: 'list'; value: string[]; expireAt: number }
  | { type: string; value: null; expireAt: number };

/** A comparable dump of the prefix's keys: type, value and absolute expiry (Redis 7 PEXPIRETIME). */
export async function dumpRedisPrefix(redis: Redis, prefix: string, options: { exclude?: (key: string) => boolean } = {}): Promise<Record<string, RedisValueDump>> {
  const dump: Record<string, RedisValueDump> = {};
  for (const key of await redisKeysWithPrefix(redis, prefix)) {
    if (options.exclude?.(key)) continue;
    const type = await redis.type(key);
    const expireAt = Number(await redis.call('PEXPIRETIME', key));
    switch (type) {
      case 'string':
        dump[key] = { type, value: await redis.get(key), expireAt };
        break;
      case 'hash':
        dump[key] = { type, value: await redis.hgetall(key), expireAt };
        break;
      case 'set':
        dump[key] = { type, value: (await redis.smembers(key)).sort(), expireAt };
        break;
      case 'zset':
        dump[key] = { type, value: await redis.zrange(key, 0, -1, 'WITHSCORES'), expireAt };
        break;
      case 'list':
        dump[key] = { type, value: await redis.lrange(key, 0, -1), expireAt };
        break;
      default:
        dump[key] = { type, value: null, expireAt };
    }
  }
  return dump;
}
