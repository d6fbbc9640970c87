import { appendChannel, quoteIdentifier, quoteLiteral } from './postgres-identifiers';
import { formatLogPosition, parseLogPosition } from './postgres-log-position';

describe('PostgreSQL log positions', () => {
  it('compare as strings as the (transaction id, global position) pairs do', () => {
    const pairs: [bigint, bigint][] = [
      [9n, 100n],
      [10n, 2n],
      [10n, 11n],
      [18446744073709551615n, 1n],
      [1n, 9223372036854775807n],
    ];
    const positions = pairs.map(([t, g]) =>
      formatLogPosition({ transactionId: t.toString(), globalPosition: g.toString() }),
    );
    const byString = [...positions].sort();
    const byPair = [...pairs]
      .sort(([t1, g1], [t2, g2]) => (t1 === t2 ? Number(g1 - g2) : t1 < t2 ? -1 : 1))
      .map(([t, g]) => formatLogPosition({ transactionId: t.toString(), globalPosition: g.toString() }));
    expect(byString).toEqual(byPair);
  });

  it('round-trip, and a foreign position is refused', () => {
    const position = formatLogPosition({ transactionId: '751', globalPosition: '12' });
    expect(position).toBe('00000000000000000751:00000000000000000012');
    expect(parseLogPosition(position)).toEqual({ transactionId: '751', globalPosition: '12' });
    expect(() => parseLogPosition('00000000000000000012')).toThrow(RangeError);
    expect(() => formatLogPosition({ transactionId: '-1', globalPosition: '1' })).toThrow(RangeError);
  });
});

describe('PostgreSQL identifiers', () => {
  it('quotes what configuration supplies', () => {
    expect(quoteIdentifier('tokens')).toBe('"tokens"');
    expect(quoteIdentifier('a"; DROP SCHEMA x; --')).toBe('"a""; DROP SCHEMA x; --"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteIdentifier('')).toThrow(RangeError);
    expect(() => quoteIdentifier('x'.repeat(64))).toThrow(RangeError);
  });

  it('names a channel per schema that PostgreSQL will not truncate', () => {
    expect(appendChannel('tokens')).toBe('events.tokens');
    const long = appendChannel('s'.repeat(63));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(appendChannel(`${'s'.repeat(62)}t`));
  });
});
