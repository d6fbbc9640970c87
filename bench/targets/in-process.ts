// The in-process benchmark, in a process of its own: `verifyCredential` (the library, as
// built), without and with its lease-fenced cache, against one SHA-256 and one Redis GET, each
// with `inFlight` verifications kept in flight on one auto-pipelining ioredis client, for a
// fixed time. Sends its figures back.
import 'reflect-metadata';
import { hash } from 'node:crypto';
import path from 'node:path';
import { credentialGenerationPrefix, credentialKey } from '@warden/contracts';
import Redis from 'ioredis';
import { LatencySamples, RunFigures } from '../support/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const verifier = require(path.resolve(__dirname, '../..', process.env.WARDEN_DIST ?? 'dist', 'libs/tokens/verifier/src/index.js')) as typeof import('@warden/token-verifier');

const YIELD_EVERY = 16;

interface InProcessRun {
  variant: 'system' | 'cached' | 'baseline';
  redisUrl: string;
  keyPrefix: string;
  key: string;
  inFlight: number;
  durationMs: number;
  /** The client address verified from (for a token with an IP allowlist). */
  clientAddress?: string;
}

async function measure(run: InProcessRun, redis: Redis): Promise<RunFigures> {
  const cache = run.variant === 'cached' ? await leasedCache(redis, run.keyPrefix) : undefined;
  const verifyOnce: () => Promise<boolean> =
    run.variant === 'baseline'
      ? async () => (await redis.get(run.keyPrefix + credentialGenerationPrefix('') + credentialKey(hash('sha256', run.key, 'hex')))) !== null
      : async () => (await verifier.verifyCredential(run.key, { redis, keyPrefix: run.keyPrefix, now: new Date(), clientAddress: run.clientAddress ?? null, cache })).ok;
  const samples = new LatencySamples();
  let failures = 0;
  const started = performance.now();
  const end = started + run.durationMs;
  // A verification the cache answers settles without I/O: every loop lets the process's
  // timers and sockets run (the cache's lease renewal) every few, as a server does between
  // requests; the same for every variant.
  const loop = async () => {
    for (let n = 1; performance.now() < end; n++) {
      if (n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      const t = performance.now();
      if (!(await verifyOnce())) failures++;
      samples.add(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: run.inFlight }, loop));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: samples.count / seconds, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99), failures };
}

// One cache for the process's life, as a gateway has: held across the runs of one variant.
let opened: ReturnType<typeof verifier.openVerificationCache> | undefined;

async function leasedCache(redis: Redis, keyPrefix: string): Promise<ReturnType<typeof verifier.openVerificationCache>> {
  opened ??= verifier.openVerificationCache(redis, keyPrefix);
  while (!opened.leased()) await new Promise((resolve) => setTimeout(resolve, 10));
  return opened;
}

const redisOf = new Map<string, Redis>();

process.on('message', async (run: InProcessRun) => {
  let redis = redisOf.get(run.redisUrl);
  if (!redis) redisOf.set(run.redisUrl, (redis = new Redis(run.redisUrl, { enableAutoPipelining: true })));
  process.send!({ figures: await measure(run, redis) });
});

// Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
process.on('SIGINT', () => {
  void (opened?.close() ?? Promise.resolve()).finally(() => {
    for (const redis of redisOf.values()) redis.disconnect();
    process.exit(0);
  });
});
