import { VerificationCacheConfig, WardenLogger, ownMetric } from '@warden/platform';
import type { RedisClient } from '@warden/redis';
import { CacheStats, LeaseFencedCache, openVerificationCache } from '@warden/token-verifier';
import { Counter, Gauge } from 'prom-client';

/**
 * The verification cache of an app that verifies (the gateway, the tokens service's NATS
 * verify), as its config says: undefined when VERIFICATION_CACHE is off; otherwise opened on
 * the app's Redis, its counters exported, and a warning at most once a lease while it cannot
 * hold its lease (the loop fails at every retry while Redis is away).
 */
export function openAppVerificationCache(
  redis: RedisClient,
  config: VerificationCacheConfig & { REDIS_KEY_PREFIX: string },
  logger: WardenLogger,
): (LeaseFencedCache & { close(): Promise<void> }) | undefined {
  if (config.VERIFICATION_CACHE === 'off') return undefined;
  let lastWarning = 0;
  const cache = openVerificationCache(redis, config.REDIS_KEY_PREFIX, {
    leaseMs: config.VERIFICATION_CACHE_LEASE_MS,
    maxEntries: config.VERIFICATION_CACHE_ENTRIES,
    onError: (error) => {
      if (Date.now() - lastWarning < config.VERIFICATION_CACHE_LEASE_MS) return;
      lastWarning = Date.now();
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'verification cache lease not renewed');
    },
  });
  const stopExporting = exportVerificationCacheMetrics(() => cache.stats());
  const closeCache = cache.close;
  return Object.assign(cache, { close: () => (stopExporting(), closeCache()) });
}

// The verification cache's counters (libs/tokens/verifier/src/cache), read from the caches of
// this process when Prometheus scrapes: a hit costs no metric update.

const caches = new Set<() => CacheStats>();

function total(field: Exclude<keyof CacheStats, 'leased'>): number {
  let sum = 0;
  for (const stats of caches) sum += stats()[field];
  return sum;
}

function counterOf(name: string, help: string, field: 'hits' | 'misses' | 'evictions' | 'leaseLosses' | 'invalidations') {
  return ownMetric(
    () =>
      new Counter({
        name,
        help,
        collect() {
          this.reset();
          this.inc(total(field));
        },
      }),
  );
}

const metrics = [
  counterOf('warden_verification_cache_hits_total', 'Verifications decided from the in-process cache, without Redis', 'hits'),
  counterOf('warden_verification_cache_misses_total', 'Verifications that read Redis: not cached, or the lease not fresh', 'misses'),
  counterOf('warden_verification_cache_evictions_total', 'Cached credentials evicted to stay within VERIFICATION_CACHE_ENTRIES', 'evictions'),
  counterOf('warden_verification_cache_lease_losses_total', "Times the cache's lease ended without being renewed (Redis unreachable, the connection lost, an epoch lost, the process paused)", 'leaseLosses'),
  counterOf('warden_verification_cache_invalidations_total', 'Invalidations the cache applied', 'invalidations'),
  ownMetric(
    () =>
      new Gauge({
        name: 'warden_verification_cache_entries',
        help: 'Credentials in the in-process verification cache',
        collect() {
          this.set(total('entries'));
        },
      }),
  ),
  ownMetric(
    () =>
      new Gauge({
        name: 'warden_verification_cache_leased',
        help: 'Caches of this process holding a fresh lease (serving from memory)',
        collect() {
          let leased = 0;
          for (const stats of caches) if (stats().leased) leased++;
          this.set(leased);
        },
      }),
  ),
];

/** Exports a cache's counters from now on; the returned function stops (a cache closed). */
function exportVerificationCacheMetrics(stats: () => CacheStats): () => void {
  for (const metric of metrics) metric();
  caches.add(stats);
  return () => caches.delete(stats);
}
