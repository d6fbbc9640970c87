import { randomUUID } from 'node:crypto';
import { STREAM_VERSION_BUCKETS, streamVersionBucket } from './stream-version-bucket';

describe('streamVersionBucket', () => {
  // Pinned: a stream whose bucket moved would lose its recorded version.
  it('gives the buckets it always gave', () => {
    expect(streamVersionBucket('')).toBe(3084);
    expect(streamVersionBucket('a')).toBe(2542); // FNV-1a 32 of "a" is 0xe40c292c
    expect(streamVersionBucket('user-1')).toBe(3139);
    expect(streamVersionBucket('organization-3f2b')).toBe(304);
    expect(streamVersionBucket('token-00000000-0000-0000-0000-000000000000')).toBe(2299);
    expect(streamVersionBucket('session-é')).toBe(2302); // the UTF-8 bytes, not the UTF-16 units
  });

  it.each<[string, (i: number) => string]>([
    ['random token ids', () => `token-${randomUUID()}`],
    ['numbered ids', (i) => `user-${i}`],
  ])('spreads %s over every bucket, none over 3 times its share', (_, idOf) => {
    const ids = 100_000;
    const counts = new Array<number>(STREAM_VERSION_BUCKETS).fill(0);
    for (let i = 0; i < ids; i++) {
      const bucket = streamVersionBucket(idOf(i));
      if (Number.isInteger(bucket) && bucket >= 0 && bucket < STREAM_VERSION_BUCKETS) counts[bucket]! += 1;
    }
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(ids); // every one in 0..4095
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual((3 * ids) / STREAM_VERSION_BUCKETS);
  });
});
