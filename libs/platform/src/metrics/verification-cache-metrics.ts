import { Counter, Gauge } from 'prom-client';
import { ownMetric } from './metrics';

// The verification cache's counters (libs/tokens/verifier/src/cache), read from the caches of
// this process when Prometheus scrapes: a hit costs no metric update.

/** What a verification cache counts since it started (its `stats()`). */
export interface VerificationCacheCounts {
  hits: number;
  misses: number;
  evictions: number;
  leaseLosses: number;
  invalidations: number;
  entries: number;
  leased: boolean;
}

const caches = new Set<() => VerificationCacheCounts>();

function total(field: Exclude<keyof VerificationCacheCounts, 'leased'>): number {
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
export function exportVerificationCacheMetrics(stats: () => VerificationCacheCounts): () => void {
  for (const metric of metrics) metric();
  caches.add(stats);
  return () => caches.delete(stats);
}
