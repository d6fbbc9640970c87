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
