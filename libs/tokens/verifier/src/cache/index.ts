import type { RedisClient } from '@warden/redis';
import { CacheInvalidations } from './cache-invalidations';
import { LeaseFencedCache } from './lease-fenced-cache';
import { RedisLeaseTransport } from './redis-lease-transport';

export * from './lease-protocol';
export * from './lease-fenced-cache';
export * from './cache-invalidations';
export * from './redis-lease-transport';

export interface VerificationCacheSettings {
  /** The lease asked for, and the longest an epoch this verifier starts grants (ms, default 2000). */
  leaseMs?: number;
  /** Most credentials kept (default 100,000). */
  maxEntries?: number;
  /** Told what failed while holding the lease (it goes on; nothing is served from the cache meanwhile). */
  onError?: (error: unknown) => void;
}

/** A verifier's cache on the deployment's Redis, its lease loop started; `close` stops it. */
export function openVerificationCache(redis: RedisClient, keyPrefix: string, settings: VerificationCacheSettings = {}): LeaseFencedCache & { close(): Promise<void> } {
  const transport = new RedisLeaseTransport(redis, keyPrefix, { maxLeaseMs: settings.leaseMs });
  const cache = new LeaseFencedCache({ transport, leaseMs: settings.leaseMs, maxEntries: settings.maxEntries, onError: settings.onError });
  transport.whenConnectionLost(() => cache.loseLease());
  cache.start();
  return Object.assign(cache, {
    close: async () => {
      const stopping = cache.stop();
      transport.close();
      await stopping;
    },
  });
}

/** A command's side, on the same Redis: `invalidate` answers once no verifier's cache serves what it names. */
export function cacheInvalidationsOn(redis: RedisClient, keyPrefix: string, leaseMs?: number): CacheInvalidations {
  return new CacheInvalidations({ transport: new RedisLeaseTransport(redis, keyPrefix, { maxLeaseMs: leaseMs }) });
}
