// The command line of `npm run bench`: which benchmarks, and how big. `--size=quick` (or
// BENCH_SIZE=quick) is a smoke run of a couple of minutes; the default, `full`, is what
// BENCHMARKS.md records. Any figure can be set on its own (`--runs=5`, `--replay-sizes=...`).
// `memory --redis-only --memory-tokens=1000000` is the capacity mode: Redis bytes per token
// at a large count, no service started.
import path from 'node:path';

export const BENCHMARK_NAMES = ['http', 'nats', 'in-process', 'issue', 'append', 'token-uses', 'oauth', 'revocation', 'replay', 'scale-out', 'redis-cluster', 'memory', 'console', 'sweep', 'token-listing', 'usage-policy', 'webhooks'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export interface BenchOptions {
  size: 'quick' | 'full';
  selected: BenchmarkName[];
  runs: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** Concurrent requests of the issue-token benchmark (and connections of its baseline). */
  issueConcurrency: number;
  /** Tokens revoked one after another, per run, while the hammers verify. */
  revocations: number;
  /** Processes verifying while the tokens are revoked. */
  hammerProcesses: number;
  /** Event counts replayed; the ratio time(last)/time(first) is reported. */
  replaySizes: number[];
  /** The system's rebuild at a size is skipped when its estimated time exceeds this. */
  replayBudgetSeconds: number;
  /** Verifications before the gateway's RSS is read. */
  memoryVerifications: number;
  /** Tokens in the read model whose Redis footprint is measured: a row for each count. */
  memoryTokens: number[];
  /** API tokens verified once each through a gateway with its verification cache, before its RSS is read. */
  cachedCredentials: number;
  /**
   * With `--redis-only`, `memory` measures the Redis footprint alone and starts no service:
   * the capacity mode, for large token counts without the gateway's run beside them.
   */
  redisOnly: boolean;
  /** Tokens issued and verified once each, whose last uses the tokens service then records. */
  tokenUses: number;
  /**
   * Organizations, accounts and tokens the route sweep bulk-appends, each: the paged
   * listings' deep page is page 500, or the last full page when fewer rows make one.
   */
  sweepRows: number;
  /** Tokens of the large organization the token-listing benchmark pages. */
  listingTokens: number;
  /** Appends in flight of the append benchmark: a row for each. */
  appendConcurrency: number[];
  cpuProf: boolean;
  /** False with `--no-report`: print the table only, leave BENCHMARKS.md as it is (profiling runs). */
  report: boolean;
  /** The build the services and the library are loaded from (WARDEN_DIST, as startSystem). */
  dist: string;
  /** The arguments as given, for the "exact command" line of the report. */
  argv: string[];
}

const SIZES = {
  quick: { runs: 3, seconds: 3, warmup: 1, revocations: 8, replaySizes: [10_000, 100_000], memoryVerifications: 100_000, memoryTokens: 100_000, cachedCredentials: 20_000, tokenUses: 500, sweepRows: 10_000, listingTokens: 100_000 },
  full: { runs: 3, seconds: 5, warmup: 2, revocations: 20, replaySizes: [100_000, 1_000_000], memoryVerifications: 1_000_000, memoryTokens: 1_000_000, cachedCredentials: 100_000, tokenUses: 2_000, sweepRows: 50_000, listingTokens: 100_000 },
};

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, root: string): BenchOptions {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const number = (name: string, fallback: number) => {
    const given = value(name);
    if (given === undefined) return fallback;
    const parsed = Number(given);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} takes a positive integer, not ${given}`);
    return parsed;
  };
  const size = value('size') ?? env.BENCH_SIZE ?? 'full';
  if (size !== 'quick' && size !== 'full') throw new Error(`--size is quick or full, not ${size}`);
  const preset = SIZES[size];
  const selected = argv.filter((a) => !a.startsWith('--'));
  for (const name of selected) {
    if (!(BENCHMARK_NAMES as readonly string[]).includes(name)) throw new Error(`unknown benchmark ${name}; known: ${BENCHMARK_NAMES.join(', ')}`);
  }
  const numbers = (name: string, fallback: number[]) => {
    const given = value(name)?.split(',').map(Number) ?? fallback;
    if (given.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} takes positive integers, comma-separated`);
    return given;
  };
  const replaySizes = numbers('replay-sizes', preset.replaySizes);
  return {
    size,
    selected: selected.length === 0 ? [...BENCHMARK_NAMES] : (selected as BenchmarkName[]),
    runs: number('runs', preset.runs),
    seconds: number('seconds', preset.seconds),
    warmupSeconds: number('warmup', preset.warmup),
    connections: number('connections', 50),
    issueConcurrency: number('issue-concurrency', 10),
    revocations: number('revocations', preset.revocations),
    hammerProcesses: number('hammers', 3),
    replaySizes,
    replayBudgetSeconds: number('replay-budget', 600),
    memoryVerifications: number('verifications', preset.memoryVerifications),
    memoryTokens: numbers('memory-tokens', [preset.memoryTokens]),
    cachedCredentials: number('cached-credentials', preset.cachedCredentials),
    redisOnly: argv.includes('--redis-only'),
    appendConcurrency: numbers('append-concurrency', [10, 50]),
    tokenUses: number('token-uses', preset.tokenUses),
    sweepRows: number('sweep-rows', preset.sweepRows),
    listingTokens: number('listing-tokens', preset.listingTokens),
    cpuProf: argv.includes('--cpu-prof'),
    report: !argv.includes('--no-report'),
    dist: path.resolve(root, env.WARDEN_DIST ?? 'dist'),
    argv,
  };
}
