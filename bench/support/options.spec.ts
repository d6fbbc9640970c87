import { parseOptions } from './options';
import { median, summarize } from './stats';
import { table } from './report';
import { largestBurst } from '../benchmarks/token-uses';

describe('bench options', () => {
  it('runs every benchmark at full size by default, as the benchmark tier asks', () => {
    const options = parseOptions([], {}, '/repo');
    expect(options.selected).toEqual(['http', 'nats', 'in-process', 'issue', 'append', 'token-uses', 'oauth', 'revocation', 'replay', 'scale-out', 'redis-cluster', 'memory', 'console', 'sweep', 'token-listing', 'usage-policy', 'webhooks']);
    expect(options).toMatchObject({ size: 'full', runs: 3, connections: 50, replaySizes: [100_000, 1_000_000], memoryVerifications: 1_000_000, memoryTokens: [1_000_000], cachedCredentials: 100_000, redisOnly: false, appendConcurrency: [10, 50], tokenUses: 2_000, sweepRows: 50_000, listingTokens: 100_000, report: true });
    expect(options.dist).toBe('/repo/dist');
  });

  it('takes names, the quick size from the environment, and single figures from flags', () => {
    const options = parseOptions(['http', 'replay', '--runs=5', '--replay-sizes=10,100', '--no-report'], { BENCH_SIZE: 'quick', WARDEN_DIST: 'tmp/dist-x' }, '/repo');
    expect(options).toMatchObject({ size: 'quick', selected: ['http', 'replay'], runs: 5, seconds: 3, replaySizes: [10, 100], sweepRows: 10_000, cachedCredentials: 20_000, report: false, dist: '/repo/tmp/dist-x' });
  });

  it('takes the capacity mode: Redis alone at several token counts, appends at several concurrencies', () => {
    const options = parseOptions(['memory', 'append', '--redis-only', '--memory-tokens=100000,1000000', '--append-concurrency=1,20'], { BENCH_SIZE: 'quick' }, '/repo');
    expect(options).toMatchObject({ selected: ['memory', 'append'], redisOnly: true, memoryTokens: [100_000, 1_000_000], appendConcurrency: [1, 20] });
    expect(() => parseOptions(['--memory-tokens=10,x'], {}, '/repo')).toThrow(/--memory-tokens takes positive integers/);
  });

  it('refuses an unknown benchmark and a figure that is not a positive integer', () => {
    expect(() => parseOptions(['verify'], {}, '/repo')).toThrow(/unknown benchmark verify/);
    expect(() => parseOptions(['--runs=0'], {}, '/repo')).toThrow(/--runs takes a positive integer/);
    expect(() => parseOptions(['--size=huge'], {}, '/repo')).toThrow(/--size is quick or full/);
  });
});

describe('bench figures', () => {
  it('reports the median with min and max over the runs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const summary = summarize([
      { perSecond: 10, p50Ms: 1, p99Ms: 9, failures: 0 },
      { perSecond: 30, p50Ms: 3, p99Ms: 7, failures: 1 },
      { perSecond: 20, p50Ms: 2, p99Ms: 8, failures: 0 },
    ]);
    expect(summary).toMatchObject({ min: 10, max: 30, median: { perSecond: 20, p50Ms: 2, p99Ms: 8, failures: 1 } });
  });

  it('takes the largest burst of commit times, split at gaps over 2 s', () => {
    expect(largestBurst([10_000, 0, 100, 200, 10_300, 10_100, 10_200])).toEqual({ events: 4, spanMs: 300 });
    expect(largestBurst([5])).toEqual({ events: 1, spanMs: 0 });
  });

  it('prints a missed target in bold and escapes pipes inside cells', () => {
    const printed = table([
      { benchmark: 'b', system: 'a | b', systemFigure: '1', baseline: '-', baselineFigure: '-', ratio: '0.1x', target: '>= 0.5x', verdict: 'missed' },
    ]);
    expect(printed.split('\n')[2]).toBe('| b | a \\| b | 1 | - | - | 0.1x | >= 0.5x | **missed** |');
  });
});
