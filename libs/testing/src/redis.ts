// Redis helpers for integration tests, each working on one test's key prefix only, on the
// tests' Redis: TEST_REDIS_URL, or the Redis Cluster of TEST_REDIS_CLUSTER_NODES (which the
// Redis Cluster tier sets to the cluster it starts).
import { RedisClient, RedisClientOptions, RedisConnection, createRedisClient, keysStartingWith, parseRedisNodeAddress, scanKeys, unlinkKeys } from '@warden/redis';
import { TEST_REDIS_URL } from './servers';

/** Where the tests' Redis is. */
export function testRedisConnection(): RedisConnection {
  const nodes = process.env['TEST_REDIS_CLUSTER_NODES'];
  if (!nodes) return { url: TEST_REDIS_URL };
  return {
    url: TEST_REDIS_URL,
    clusterNodes: nodes.split(',').map((node) => {
      const address = parseRedisNodeAddress(node);
      if (!address) throw new Error(`TEST_REDIS_CLUSTER_NODES: ${JSON.stringify(node)} is not host:port`);
      return address;
    }),
  };
}

/** Whether the tests run on a Redis Cluster. */
export function testRedisIsCluster(): boolean {
  return testRedisConnection().clusterNodes !== undefined;
}

/** The environment a service started by a test needs to reach the tests' Redis. */
export function testRedisEnv(): Record<string, string> {
  const nodes = process.env['TEST_REDIS_CLUSTER_NODES'];
  return nodes ? { REDIS_URL: TEST_REDIS_URL, REDIS_CLUSTER_NODES: nodes } : { REDIS_URL: TEST_REDIS_URL };
}

/** The verifier library's options for the tests' Redis. */
export function testRedisVerifierConnection(): { redisUrl: string; redisClusterNodes?: string[] } {
  const nodes = process.env['TEST_REDIS_CLUSTER_NODES'];
  return nodes ? { redisUrl: TEST_REDIS_URL, redisClusterNodes: nodes.split(',') } : { redisUrl: TEST_REDIS_URL };
}

/** A client of the tests' Redis, made as the services make theirs (auto-pipelined). */
export function testRedis(options: RedisClientOptions = {}): RedisClient {
  return createRedisClient(testRedisConnection(), options);
}

/** Every key under `prefix`, on every node. */
export function redisKeysWithPrefix(redis: RedisClient, prefix: string): Promise<string[]> {
  return scanKeys(redis, keysStartingWith(prefix), 500);
}

export async function deleteRedisPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const keys = await redisKeysWithPrefix(redis, prefix);
  await unlinkKeys(redis, keys);
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
export async function dumpRedisPrefix(redis: RedisClient, prefix: string, options: { exclude?: (key: string) => boolean } = {}): Promise<Record<string, RedisValueDump>> {
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
