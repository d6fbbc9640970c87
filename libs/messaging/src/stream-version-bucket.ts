// Where a projection records the last version it applied of an event stream: field <streamId>
// of one of STREAM_VERSION_BUCKETS hashes, not a key per stream (in a listpack-encoded hash a
// stream costs its id and a few bytes, against ~150 B for a key of its own).

export const STREAM_VERSION_BUCKETS = 4096;

/**
 * The bucket (0..4095) of a stream's version: FNV-1a (32 bits, over the id's UTF-8 bytes)
 * xor-folded to 12 bits, as the low bits of an FNV product depend on the low bits alone.
 * Never to be changed once released: a stream whose bucket moved would have no version
 * recorded, and every event of it, however old, would be applied again.
 */
export function streamVersionBucket(streamId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(streamId, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return ((hash >>> 12) ^ hash) & (STREAM_VERSION_BUCKETS - 1);
}

/** The full key of the hash holding a stream's version, for the projection `name` under `keyPrefix`. */
export function streamVersionBucketKey(keyPrefix: string, name: string, streamId: string): string {
  return `${keyPrefix}${name}:v:${streamVersionBucket(streamId)}`;
}
