// Redis Cluster runs a script only on keys of one slot, and a verification reads in one script
// the live generation's pointer, the credential's record, its owner's principal record and its
// organization's token policy. So every key a verification reads, and every key the read
// models behind them write in the same script (their bookkeeping, the other generations), sits
// under one hash tag right after REDIS_KEY_PREFIX: `<prefix>{verification}:...`. On one Redis
// the tag is only part of the name. On a cluster these read models live on one shard (its
// replica takes over when it fails); everything else (login throttles, idempotency keys, last
// uses) spreads over the shards by key.

/** What follows REDIS_KEY_PREFIX in every key a verification reads. */
export const VERIFICATION_KEY_TAG = '{verification}:';

// The verification caches' lease protocol (libs/tokens/verifier/src/cache), under the same tag:
// a lease fences the records it caches, and an event that reduces a credential's power is
// written to the invalidation log in the very script that applies it to those records.
/** The lease protocol's keys: its epoch, the lease holders, the invalidation log (a stream). */
export function verificationCacheKeys(keyPrefix: string): { epoch: string; holders: string; invalidations: string } {
  const base = `${keyPrefix}${VERIFICATION_KEY_TAG}cache:`;
  return { epoch: `${base}epoch`, holders: `${base}holders`, invalidations: `${base}invalidations` };
}

/** How long the invalidation log keeps an entry (ms): far longer than any lease (a holder further behind has lost its lease). */
export const INVALIDATION_LOG_RETENTION_MS = 60_000;
