// Memory: a gateway instance's RSS after N verifications (autocannon, 50 connections,
// `GET /auth/whoami` with an API token), and the CPU time the gateway and Redis spent per
// verification over them (what one core of each serves); and Redis bytes per token with N tokens in the
// credential read model: every key the read model keeps for a token issued once
// (credential record, token record, the projection's per-stream version in its buckets, its
// share of the organization and owner indexes), written with a pipeline into a prefix of its
// own, then measured with MEMORY USAGE of every key written (each whole) and with the growth
// of INFO used_memory (shared with whatever else runs on the server: noisy).
// `--memory-tokens` takes several counts (a row each: is the cost per token flat?), and
// `--redis-only` measures Redis alone without starting the services (the capacity mode).
// Every key written is deleted before the next count and at the end, even on failure.
//
// And a gateway's RSS with N credentials in its verification cache (`--cached-credentials`):
// N API tokens of the benchmark's service account written into the system's credential read
// model with the projection's own records and real secrets, each verified once through a
// fresh gateway with the cache and through one without it (the baseline: what the same
// verifications leave without the cache), and the entries the cache says it holds.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  CREDENTIAL_READ_MODEL_GENERATION_KEY,
  PrincipalRecord,
  TOKEN_LAST_USED_KEY,
  credentialGenerationPrefix,
  credentialKey,
  principalRecordsKey,
  secretHash,
  secretLastFour,
} from '@warden/contracts';
import { streamVersionBucketKey } from '@warden/messaging';
import { TEST_REDIS_URL, deleteRedisPrefix, metricSample, pollUntil, redisKeysWithPrefix, uniqueTestId } from '@warden/testing';
import { generateSecret } from '@warden/tokens-domain';
import {
  CREDENTIAL_READ_MODEL,
  issuedTokenOps,
  tokenRecordKey,
} from '../../apps/tokens-service/src/credentials/credential-read-model.projection';
import type { BenchContext, Row } from '../support/context';
import { ratioOf, times } from '../support/format';
import { load, requestEach } from '../support/load';
import { GatewayInstance, startGateway } from '../support/processes';
import { IssuedData, ORGANIZATIONS, OWNERS, writeTokenKeys } from './replay';

const PAGE = 5_000;
const SAMPLE = 2_000;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const uuidOf = (text: string) => {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

function issued(i: number): IssuedData & { tokenId: string } {
  return {
    tokenId: randomUUID(),
    organizationId: uuidOf(`organization-${i % ORGANIZATIONS}`),
    ownerId: uuidOf(`owner-${i % OWNERS}`),
    name: `replayed token ${i}`,
    visibility: 'private',
    allowedOrigins: [],
    expiresAt: null,
    permissions: null,
    secretHash: createHash('sha256').update(`memory-secret-${i}`).digest('hex'),
    lastFour: String(i % 10_000).padStart(4, '0'),
    issuedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
  };
}

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

/** Redis's CPU time so far, user and system (its main thread and its background ones), in seconds. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1]);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** What a key of the credential read model is, for the per-token breakdown. */
function kindOfKey(relative: string): string {
  if (relative.startsWith('credential:')) return 'credential record';
  if (relative.startsWith('token:')) return 'token record';
  if (relative.startsWith(`${CREDENTIAL_READ_MODEL}:`)) return 'stream versions';
  if (relative.startsWith('organization-tokens:')) return 'organization and owner indexes';
  return 'other';
}

async function redisBytesPerToken(count: number, log: (line: string) => void): Promise<Row> {
  const redis = new Redis(TEST_REDIS_URL);
  const runPrefix = `${uniqueTestId('benchmem')}:`;
  // Where the read model keeps a token's keys: its live (base) generation.
  const keyPrefix = runPrefix + credentialGenerationPrefix('');
  try {
    const before = await usedMemory(redis);
    for (let start = 0; start < count; start += PAGE) {
      const pipeline = redis.pipeline();
      for (let i = start; i < Math.min(count, start + PAGE); i++) {
        const data = issued(i);
        writeTokenKeys(pipeline, keyPrefix, data);
        // the projection's bookkeeping: the version applied per token stream
        const streamId = `token-${data.tokenId}`;
        pipeline.hset(streamVersionBucketKey(keyPrefix, CREDENTIAL_READ_MODEL, streamId), streamId, '1');
      }
      await pipeline.exec();
    }
    const after = await usedMemory(redis);
    log(`memory: ${count} tokens written under ${keyPrefix}; used_memory grew by ${mib(after - before)}`);
    // Every key the run wrote, each measured whole (SAMPLES 0: every element of a hash or sorted set).
    const keys = await redisKeysWithPrefix(redis, runPrefix);
    const bytes = new Map<string, number>();
    for (let start = 0; start < keys.length; start += PAGE) {
      const page = keys.slice(start, start + PAGE);
      const pipeline = redis.pipeline();
      for (const key of page) pipeline.memory('USAGE', key, 'SAMPLES', 0);
      const replies = (await pipeline.exec()) ?? [];
      page.forEach((key, i) => {
        const kind = kindOfKey(key.slice(keyPrefix.length));
        bytes.set(kind, (bytes.get(kind) ?? 0) + Number(replies[i]?.[1] ?? 0));
      });
    }
    const perToken = [...bytes.values()].reduce((sum, each) => sum + each, 0) / count;
    const perCredential = (bytes.get('credential record') ?? 0) / count;
    const grown = (after - before) / count;
    log(`memory: per token, ${[...bytes].map(([kind, total]) => `${kind} ${Math.round(total / count)} B`).join(', ')} (${keys.length.toLocaleString('en')} keys)`);
    return {
      benchmark: 'memory, Redis',
      system: `bytes per token with ${count.toLocaleString('en')} tokens in the credential read model (MEMORY USAGE of every key; INFO used_memory growth)`,
      systemFigure: `${Math.round(perToken)} B per token, all keys (${Math.round(perCredential)} B the credential record the verifier reads); used_memory growth ${Math.round(grown)} B per token`,
      baseline: '-',
      baselineFigure: '-',
      ratio: '-',
      target: '< 400 B per token',
      verdict: perToken < 400 ? 'met' : 'missed',
    };
  } finally {
    await deleteRedisPrefix(redis, runPrefix);
    redis.disconnect();
  }
}

/** Redis bytes per token at each count of `--memory-tokens`, one after another, each deleted before the next. */
async function redisRows(counts: number[], log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const count of counts) rows.push(await redisBytesPerToken(count, log));
  return rows;
}

/** The capacity mode (`--redis-only`): the Redis footprint alone, with no service started. */
export async function benchRedisMemory(ctx: Pick<BenchContext, 'options' | 'log'>): Promise<Row[]> {
  return redisRows(ctx.options.memoryTokens, ctx.log);
}

/** The value of a sample on the gateway's `/metrics` (at its origin; labelled with its app); NaN when it has none of that name. */
async function gatewayMetric(gateway: GatewayInstance, name: string): Promise<number> {
  return metricSample(await (await fetch(`${new URL(gateway.url).origin}/metrics`)).text(), name) ?? Number.NaN;
}

/** The ops that take back what `writeTokenKeys` wrote for a token: its own keys deleted, its members of the shared indexes removed. */
function undoTokenKeys(pipeline: ReturnType<Redis['pipeline']>, keyPrefix: string, data: IssuedData): void {
  for (const op of issuedTokenOps(data as Parameters<typeof issuedTokenOps>[0])) {
    if (op.op === 'set') pipeline.del(keyPrefix + op.key);
    else if (op.op === 'zadd') pipeline.zrem(keyPrefix + op.key, ...op.members.map(({ member }) => member));
    else if (op.op === 'sadd') pipeline.srem(keyPrefix + op.key, ...op.members);
  }
}

interface Verified {
  /** RSS when ready, and after the verifications. */
  ready: number;
  rss: number;
  perSecond: number;
  failures: number;
  /** What `warden_verification_cache_entries` says (NaN without the cache). */
  entries: number;
}

/** A fresh gateway verifying each secret once, its RSS then; its last uses of the tokens taken out of Redis after it stopped. */
async function verifyEachThrough(ctx: CachedCredentialsContext, redis: Redis, env: Record<string, string>, secrets: string[], tokenIds: string[]): Promise<Verified> {
  const { options, system } = ctx;
  const gateway = await startGateway(system, options, env);
  try {
    // Nothing is kept before the cache holds its lease.
    if (env.VERIFICATION_CACHE !== 'off') await pollUntil(async () => (await gatewayMetric(gateway, 'warden_verification_cache_leased')) === 1, 'the gateway to hold its cache lease', 10_000, 50);
    const ready = await gateway.rss();
    const figures = await requestEach(`${gateway.url}/auth/whoami`, secrets, options.connections, (secret) => ({ authorization: `Bearer ${secret}` }), 200);
    const rss = await gateway.rss();
    return { ready, rss, ...figures, entries: await gatewayMetric(gateway, 'warden_verification_cache_entries') };
  } finally {
    await gateway.stop();
    // The gateway leaves the last uses of the tokens in Redis (at its shutdown the last ones):
    // tokens with no stream, which the tokens service would only look for and not find.
    const lastUsed = system.env.REDIS_KEY_PREFIX + TOKEN_LAST_USED_KEY;
    for (let start = 0; start < tokenIds.length; start += PAGE) await redis.hdel(lastUsed, ...tokenIds.slice(start, start + PAGE));
  }
}

type CachedCredentialsContext = BenchContext & { serviceAccountId: string };

/** The gateway's RSS with `--cached-credentials` API tokens verified once each, cache on and cache off. */
async function cachedCredentialsRow(ctx: CachedCredentialsContext): Promise<Row> {
  const { options, system, serviceAccountId, log } = ctx;
  const count = options.cachedCredentials;
  const redis = new Redis(TEST_REDIS_URL);
  const systemPrefix = system.env.REDIS_KEY_PREFIX!;
  const keyPrefix = systemPrefix + credentialGenerationPrefix('');
  const tokens: IssuedData[] = [];
  try {
    if ((await redis.get(systemPrefix + CREDENTIAL_READ_MODEL_GENERATION_KEY)) !== '') throw new Error("memory: the system's credential read model is not live at its base generation");
    const found = await redis.hget(principalRecordsKey(systemPrefix), serviceAccountId);
    const owner = found === null ? null : (JSON.parse(found) as PrincipalRecord);
    if (owner?.status !== 'active') throw new Error(`memory: the benchmark's service account ${serviceAccountId} has no active principal record`);
    const secrets: string[] = [];
    for (let i = 0; i < count; i++) {
      const secret = generateSecret('api_token', randomBytes);
      secrets.push(secret);
      tokens.push({
        tokenId: randomUUID(),
        organizationId: owner.organizationId,
        ownerId: owner.userId,
        name: `cached token ${i}`,
        visibility: 'private',
        allowedOrigins: [],
        expiresAt: null,
        permissions: null,
        secretHash: secretHash(secret),
        lastFour: secretLastFour(secret),
        issuedAt: new Date().toISOString(),
      });
    }
    for (let start = 0; start < count; start += PAGE) {
      const pipeline = redis.pipeline();
      for (const data of tokens.slice(start, start + PAGE)) writeTokenKeys(pipeline, keyPrefix, data);
      await pipeline.exec();
    }
    log(`memory: ${count} API tokens of ${serviceAccountId} written into the credential read model; verifying each once, cache on, then off`);
    const tokenIds = tokens.map((data) => data.tokenId);
    const on = await verifyEachThrough(ctx, redis, { VERIFICATION_CACHE: 'on' }, secrets, tokenIds);
    const off = await verifyEachThrough(ctx, redis, { VERIFICATION_CACHE: 'off' }, secrets, tokenIds);
    const perCredential = (on.rss - off.rss) / count;
    log(`memory: cache on ${mib(on.rss)} (${mib(on.ready)} ready, ${on.entries} entries), off ${mib(off.rss)} (${mib(off.ready)} ready): ${Math.round(perCredential)} B per cached credential`);
    const atTarget = count >= 100_000;
    return {
      benchmark: 'memory, gateway cache',
      system: `gateway RSS with ${count.toLocaleString('en')} cached credentials (VERIFICATION_CACHE on; ${count.toLocaleString('en')} API tokens verified once each, \`GET /auth/whoami\`, ${options.connections} in flight)`,
      systemFigure: `${mib(on.rss)} (${mib(on.ready)} when ready; ${on.entries.toLocaleString('en')} entries held; ${Math.round(on.perSecond)} req/s, ${on.failures} failed); ${Math.round(perCredential)} B per cached credential over the baseline`,
      baseline: 'a gateway with VERIFICATION_CACHE=off after the same verifications',
      baselineFigure: `${mib(off.rss)} (${mib(off.ready)} when ready; ${Math.round(off.perSecond)} req/s, ${off.failures} failed)`,
      ratio: times(ratioOf(on.rss, off.rss)),
      target: '< 200 MB with 100,000',
      verdict: !atTarget ? 'reported' : on.rss < 200 * 1e6 && on.failures === 0 && on.entries >= 100_000 ? 'met' : 'missed',
      ...(!atTarget && { note: `${count.toLocaleString('en')} credentials, fewer than the target's 100,000: reported (\`--cached-credentials=100000\` judges it).` }),
    };
  } finally {
    for (let start = 0; start < tokens.length; start += PAGE) {
      const pipeline = redis.pipeline();
      for (const data of tokens.slice(start, start + PAGE)) undoTokenKeys(pipeline, keyPrefix, data);
      await pipeline.exec();
    }
    if (tokens.length > 0) {
      const left = await redis.exists(...tokens.slice(0, SAMPLE).flatMap((data) => [keyPrefix + credentialKey(data.secretHash), keyPrefix + tokenRecordKey(data.tokenId)]));
      log(`memory: the ${tokens.length} tokens' keys taken back (${left} of a sample of ${Math.min(SAMPLE, tokens.length)} tokens' records left)`);
    }
    redis.disconnect();
  }
}

export async function benchMemory(ctx: CachedCredentialsContext): Promise<Row[]> {
  const { options, system, token, log } = ctx;
  const gateway = await startGateway(system, options);
  const redis = new Redis(TEST_REDIS_URL);
  let gatewayRow: Row;
  let costRow: Row;
  try {
    const atStart = await gateway.rss();
    log(`memory: gateway RSS at start ${mib(atStart)}; sending ${options.memoryVerifications} verifications`);
    const [gatewayCpu, redisCpu] = [await gateway.cpuSeconds(), await redisCpuSeconds(redis)];
    const figures = await load({
      url: `${gateway.url}/auth/whoami`,
      connections: options.connections,
      amount: options.memoryVerifications,
      headers: { authorization: `Bearer ${token}` },
      expectedStatus: 200,
    });
    const perVerification = (seconds: number) => (seconds * 1e6) / options.memoryVerifications;
    const gatewayMicros = perVerification((await gateway.cpuSeconds()) - gatewayCpu);
    const redisMicros = perVerification((await redisCpuSeconds(redis)) - redisCpu);
    const afterLoad = await gateway.rss();
    costRow = {
      benchmark: 'cost per verification',
      system: `CPU time per verification over the same ${options.memoryVerifications.toLocaleString('en')} (\`GET /auth/whoami\`): the gateway process (/proc), Redis (INFO cpu: everything it served meanwhile, others' work included)`,
      systemFigure: `gateway ${gatewayMicros.toFixed(0)} µs (${Math.round(1e6 / gatewayMicros)}/s per core); Redis ${redisMicros.toFixed(1)} µs (${Math.round(1e6 / redisMicros)}/s per core)`,
      baseline: '-',
      baselineFigure: '-',
      ratio: '-',
      target: 'reported (the capacity model: docs/scaling.md)',
      verdict: 'reported',
    };
    gatewayRow = {
      benchmark: 'memory, gateway',
      system: `gateway RSS after ${options.memoryVerifications.toLocaleString('en')} verifications (\`GET /auth/whoami\`, ${options.connections} connections)`,
      systemFigure: `${mib(afterLoad)} (${mib(atStart)} when ready; ${Math.round(figures.perSecond)} req/s, ${figures.failures} failed)`,
      baseline: '-',
      baselineFigure: '-',
      ratio: '-',
      target: '< 150 MB',
      verdict: afterLoad < 150 * 1e6 ? 'met' : 'missed',
    };
  } finally {
    redis.disconnect();
    await gateway.stop();
  }
  return [gatewayRow, costRow, await cachedCredentialsRow(ctx), ...(await redisRows(options.memoryTokens, log))];
}
