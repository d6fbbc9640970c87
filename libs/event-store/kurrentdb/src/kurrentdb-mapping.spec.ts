import { ANY, NO_STREAM } from '@kurrent/kurrentdb-client';
import {
  assertStreamPrefix,
  decodeMetadata,
  decodeSchemaVersion,
  encodeMetadata,
  formatKurrentPosition,
  parseKurrentPosition,
  scopedStreamName,
  streamIdInScope,
  toStreamState,
  versionOf,
} from './kurrentdb-mapping';

describe('KurrentDB mapping', () => {
  it('turns our expected versions into stream states', () => {
    expect(toStreamState('any')).toBe(ANY);
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState(0)).toBe(NO_STREAM);
    expect(toStreamState(1)).toBe(0n);
    expect(toStreamState(42)).toBe(41n);
    expect(() => toStreamState(-1)).toThrow(RangeError);
  });

  it('turns a current stream state into our version', () => {
    expect(versionOf(NO_STREAM)).toBe(0);
    expect(versionOf(0n)).toBe(1);
    expect(versionOf(41n)).toBe(42);
  });

  it('orders positions as strings as KurrentDB orders (commit, prepare)', () => {
    const positions = [
      { commit: 10n, prepare: 10n },
      { commit: 10n, prepare: 9n },
      { commit: 9n, prepare: 9n },
      { commit: 18446744073709551615n, prepare: 1n },
    ];
    const byString = positions.map(formatKurrentPosition).sort();
    expect(byString.map(parseKurrentPosition)).toEqual([
      { commit: 9n, prepare: 9n },
      { commit: 10n, prepare: 9n },
      { commit: 10n, prepare: 10n },
      { commit: 18446744073709551615n, prepare: 1n },
    ]);
    expect(() => parseKurrentPosition('00000000000000000001:00000000000000000001:1')).toThrow(RangeError);
  });

  it('carries structured metadata through the string-only property map, and reads plain JSON metadata too', () => {
    const metadata = { correlationId: 'c-1', actorId: 'u-1', nested: { a: [1, null] } };
    const encoded = encodeMetadata(metadata);
    expect(Object.values(encoded).every((value) => typeof value === 'string')).toBe(true);
    expect(decodeMetadata(encoded)).toEqual(metadata);
    expect(decodeMetadata({ correlationId: 'c-2' })).toEqual({ correlationId: 'c-2' });
    expect(() => decodeMetadata(new Uint8Array([1]))).toThrow(TypeError);
  });

  it("carries an event's schema version beside its metadata; one written without reads as version 1", () => {
    const metadata = { correlationId: 'c-1' };
    expect(decodeSchemaVersion(encodeMetadata(metadata, 3))).toBe(3);
    expect(decodeMetadata(encodeMetadata(metadata, 3))).toEqual(metadata);
    expect(decodeSchemaVersion(encodeMetadata(metadata))).toBe(1);
    expect(decodeSchemaVersion({ correlationId: 'c-2' })).toBe(1);
    for (const broken of ['0', '1.5', 'two', 2]) {
      expect(() => decodeSchemaVersion({ 'warden-schema-version': broken })).toThrow(TypeError);
    }
  });

  it("keeps a service's streams under its prefix, and reads another scope's streams as none of its own", () => {
    expect(scopedStreamName('tokens:', 'token-1')).toBe('tokens:token-1');
    expect(streamIdInScope('tokens:', 'tokens:token-1')).toBe('token-1');
    expect(streamIdInScope('tokens:', 'users:user-1')).toBeUndefined();
    expect(streamIdInScope('tokens:', 'tokens:')).toBeUndefined();
    // Without a prefix the store owns the database: every name is its own.
    expect(scopedStreamName('', 'token-1')).toBe('token-1');
    expect(streamIdInScope('', 'users:user-1')).toBe('users:user-1');
  });

  it('takes a prefix only as a plain name ending in a separator', () => {
    for (const prefix of ['', 'tokens:', 'users_test/', 'audit-1.'])
      expect(() => assertStreamPrefix(prefix)).not.toThrow();
    for (const prefix of ['tokens', '$et-', 'to.*:', ':', 'a b:'])
      expect(() => assertStreamPrefix(prefix)).toThrow(RangeError);
  });
});
