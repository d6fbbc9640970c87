import { testRedis, uniqueTestId } from '@warden/testing';
import { RedisClient } from './redis-client';
import { globEscaped, keysStartingWith, scanKeys, unlinkKeys } from './redis-keys';

describe('keys by pattern on a real Redis', () => {
  let redis: RedisClient;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = `${uniqueTestId('keys')}:`;
  });

  afterEach(async () => {
    await unlinkKeys(redis, await scanKeys(redis, keysStartingWith(prefix)));
    redis.disconnect();
  });

  it('finds every key under a prefix, on every node of a cluster, each once and sorted', async () => {
    // Enough keys, without a shared tag, to land on every node of a cluster.
    const keys = Array.from({ length: 60 }, (_, i) => `${prefix}k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((key) => redis.set(key, '1')));
    await redis.set(`${prefix.slice(0, -1)}-other:k`, '1'); // shares the text, not the prefix
    try {
      // A small page, so that the walk takes several SCAN calls (but not thousands on a busy Redis).
      expect(await scanKeys(redis, keysStartingWith(prefix), 25)).toEqual(keys);
    } finally {
      await redis.del(`${prefix.slice(0, -1)}-other:k`);
    }
  });

  it('escapes the glob characters of a prefix', async () => {
    const odd = `${prefix}[a]*?\\`;
    await redis.set(`${odd}x`, '1');
    await redis.set(`${prefix}ab`, '1');
    expect(globEscaped('[a]*?\\')).toBe('\\[a\\]\\*\\?\\\\');
    expect(await scanKeys(redis, keysStartingWith(odd))).toEqual([`${odd}x`]);
  });

  it('deletes keys across slots one by one, and keys of one tag together', async () => {
    const spread = Array.from({ length: 20 }, (_, i) => `${prefix}spread-${i}`);
    const tagged = Array.from({ length: 20 }, (_, i) => `${prefix}{tag}-${i}`);
    await Promise.all([...spread, ...tagged].map((key) => redis.set(key, '1')));
    await unlinkKeys(redis, spread);
    await unlinkKeys(redis, tagged, { sameSlot: true });
    expect(await scanKeys(redis, keysStartingWith(prefix))).toEqual([]);
  });
});
