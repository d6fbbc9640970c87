// Replay: the token read model rebuilt from N events (the tokens service's own rebuild,
// `CredentialReadModel.ensureBuilt` on an empty key prefix) against a baseline with no
// framework: read the same rows in log order and write the same keys and values with a
// Redis pipeline. The events are bulk-inserted straight into an event-store schema of the
// benchmark's own database (one `TokenIssued` per token stream: 1,000 owners in 10
// organizations), so each size is prepared in seconds. Reports events/s of both, their
// ratio, and time(largest)/time(smallest) against the event-count ratio.
import { randomUUID } from 'node:crypto';
import Redis, { ChainableCommander } from 'ioredis';
import { Client } from 'pg';
import { credentialGenerationPrefix } from '@warden/contracts';
import { PostgresEventStore } from '@warden/event-store-postgres';
import type { TokenIssued } from '@warden/tokens-domain';
import { TEST_DATABASE_URL, TEST_REDIS_URL, deleteRedisPrefix, uniqueTestId } from '@warden/testing';
import { CredentialReadModel } from '../../apps/tokens-service/src/credentials/credential-read-model';
import { issuedTokenOps } from '../../apps/tokens-service/src/credentials/credential-read-model.projection';
import type { BenchContext, Row } from '../support/context';
import { seconds, times } from '../support/format';
import { median } from '../support/stats';

export const OWNERS = 1_000;
export const ORGANIZATIONS = 10;
const BASELINE_PAGE = 5_000;

export function databaseUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of the benchmark's own, dropped by `drop`. */
export async function benchDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `warden_${uniqueTestId(label)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return { url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * An event-store schema holding `count` TokenIssued events, one per token stream, as the
 * tokens service would have appended them (same columns, JSON shape and metadata).
 */
export async function tokenEventStore(url: string, schema: string, count: number): Promise<PostgresEventStore> {
  const store = await PostgresEventStore.connect({ connectionString: url, schema, poolSize: 4, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // reported by the query that fails, if any
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "${schema}".events (event_id, stream_id, version, type, data, metadata)
       SELECT gen_random_uuid(), 'token-' || t.id, 1, 'TokenIssued',
         jsonb_build_object(
           'tokenId', t.id,
           'organizationId', md5('organization-' || (t.i % ${ORGANIZATIONS}))::uuid::text,
           'ownerId', md5('owner-' || (t.i % ${OWNERS}))::uuid::text,
           'name', 'replayed token ' || t.i,
           'visibility', 'private',
           'allowedOrigins', '[]'::jsonb,
           'expiresAt', NULL,
           'permissions', NULL,
           'secretHash', encode(sha256(convert_to('replayed-secret-' || t.i, 'UTF8')), 'hex'),
           'lastFour', lpad((t.i % 10000)::text, 4, '0'),
           'issuedAt', to_char((timestamptz '2026-01-01 00:00:00+00' + t.i * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         jsonb_build_object('correlationId', 'replay-benchmark', 'actorType', 'service_internal')
       FROM (SELECT i, gen_random_uuid()::text AS id FROM generate_series(1, $1::int) AS i) AS t`,
      [count],
    );
    await client.query(`ANALYZE "${schema}".events`);
  } catch (error) {
    await store.close();
    throw error;
  } finally {
    await client.end();
  }
  return store;
}

export interface IssuedData {
  tokenId: string;
  organizationId: string;
  ownerId: string;
  name: string;
  visibility: string;
  allowedOrigins: string[];
  expiresAt: string | null;
  permissions: string[] | null;
  secretHash: string;
  lastFour: string;
  issuedAt: string;
}

/**
 * The keys and values the credential read model holds for a token issued once (no
 * bookkeeping), from the projection's own ops, so the baseline cannot drift from its layout.
 */
export function writeTokenKeys(pipeline: ChainableCommander, keyPrefix: string, d: IssuedData): void {
  for (const op of issuedTokenOps(d as TokenIssued['data'])) {
    const key = keyPrefix + op.key;
    switch (op.op) {
      case 'set':
        if (op.pxat !== undefined) pipeline.set(key, op.value, 'PXAT', op.pxat);
        else pipeline.set(key, op.value);
        break;
      case 'zadd':
        pipeline.zadd(key, ...op.members.flatMap(({ score, member }) => [score, member]));
        break;
      case 'sadd':
        pipeline.sadd(key, ...op.members);
        break;
      case 'srem':
        pipeline.srem(key, ...op.members);
        break;
      case 'zrem':
        pipeline.zrem(key, ...op.members);
        break;
      default:
        throw new Error(`writeTokenKeys: no bulk write for a ${op.op} op`);
    }
  }
}

/** The system: the tokens service's rebuild of its credential read model into an empty prefix. */
async function systemReplay(redis: Redis, store: PostgresEventStore, keyPrefix: string): Promise<number> {
  const readModel = new CredentialReadModel({ redis, keyPrefix, store, log: () => undefined });
  const started = performance.now();
  if (!(await readModel.ensureBuilt())) throw new Error('the credential read model did not rebuild into an empty prefix');
  return (performance.now() - started) / 1000;
}

/**
 * The baseline: the same rows read in log order with keyset pages, the same keys and
 * values written with one pipeline per page. No version bookkeeping, no script.
 */
async function baselineReplay(redis: Redis, url: string, schema: string, keyPrefix: string): Promise<number> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // reported by the query that fails, if any
  await client.connect();
  const started = performance.now();
  try {
    let after: [string, string] = ['0', '0'];
    for (;;) {
      const { rows } = await client.query<{ tx: string; position: string; data: IssuedData }>(
        `SELECT transaction_id::text AS tx, global_position::text AS position, data FROM "${schema}".events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         ORDER BY transaction_id, global_position LIMIT ${BASELINE_PAGE}`,
        after,
      );
      if (rows.length === 0) break;
      const pipeline = redis.pipeline();
      for (const { data } of rows) writeTokenKeys(pipeline, keyPrefix + credentialGenerationPrefix(''), data);
      await pipeline.exec();
      const last = rows[rows.length - 1]!;
      after = [last.tx, last.position];
    }
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

/** Both sides wrote the same value for one token, or the comparison means nothing. */
async function assertSameOutput(redis: Redis, url: string, schema: string, systemPrefix: string, baselinePrefix: string): Promise<void> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // reported by the query that fails, if any
  await client.connect();
  const { rows } = await client.query<{ data: IssuedData }>(`SELECT data FROM "${schema}".events ORDER BY random() LIMIT 3`);
  await client.end();
  for (const { data } of rows) {
    const written = issuedTokenOps(data as TokenIssued['data']).flatMap((op) => (op.op === 'set' ? [op.key] : []));
    for (const key of written) {
      const live = credentialGenerationPrefix('');
      const [s, b] = await Promise.all([redis.get(systemPrefix + live + key), redis.get(baselinePrefix + live + key)]);
      if (s === null || s !== b) throw new Error(`replay: system and baseline differ at ${key}:\n${s}\n${b}`);
    }
  }
}

export async function benchReplay(ctx: BenchContext): Promise<Row[]> {
  const { options, log } = ctx;
  const sizes = [...options.replaySizes].sort((a, b) => a - b);
  const database = await benchDatabase('replay');
  const redis = new Redis(TEST_REDIS_URL);
  const stores = new Map<number, PostgresEventStore>();
  const runPrefix = uniqueTestId('benchreplay');
  const fresh = (label: string) => `${runPrefix}:${label}:${randomUUID().slice(0, 8)}:`;
  try {
    for (const size of sizes) {
      const started = performance.now();
      stores.set(size, await tokenEventStore(database.url, `events_${size}`, size));
      log(`replay: ${size} events inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const timed: Record<'system' | 'baseline', Map<number, number[]>> = { system: new Map(), baseline: new Map() };
    // warm-up on a small store of its own, compared for equal output; gives a first rate
    const warmSize = Math.min(2_000, sizes[0]!);
    const warmStore = await tokenEventStore(database.url, 'events_warmup', warmSize);
    stores.set(0, warmStore);
    let systemRate: number;
    {
      const [s, b] = [fresh('warm-s'), fresh('warm-b')];
      systemRate = warmSize / (await systemReplay(redis, warmStore, s));
      await baselineReplay(redis, database.url, 'events_warmup', b);
      await assertSameOutput(redis, database.url, 'events_warmup', s, b);
      await deleteRedisPrefix(redis, s);
      await deleteRedisPrefix(redis, b);
    }
    // The system's rebuild at a size runs only if its estimate (from the rate measured so
    // far) fits the budget; otherwise its row says so, with the estimate.
    const skipped = new Map<number, string>();
    for (let run = 1; run <= options.runs; run++) {
      for (const size of sizes) {
        if (run === 1 && size / systemRate > options.replayBudgetSeconds) {
          skipped.set(size, `not run: estimated ${Math.round(size / systemRate)} s at the ${Math.round(systemRate)} events/s measured so far, over the ${options.replayBudgetSeconds} s budget (--replay-budget)`);
          log(`replay: system at ${size} events skipped (${skipped.get(size)})`);
        }
        for (const variant of ['system', 'baseline'] as const) {
          if (variant === 'system' && skipped.has(size)) continue;
          const prefix = fresh(variant);
          const took = variant === 'system' ? await systemReplay(redis, stores.get(size)!, prefix) : await baselineReplay(redis, database.url, `events_${size}`, prefix);
          await deleteRedisPrefix(redis, prefix);
          if (variant === 'system') systemRate = size / took;
          if (!timed[variant].has(size)) timed[variant].set(size, []);
          timed[variant].get(size)!.push(took);
          log(`replay run ${run}/${options.runs} ${size} events ${variant}: ${took.toFixed(2)} s (${Math.round(size / took)} events/s)`);
        }
      }
    }
    const rows: Row[] = [];
    const figure = (size: number, list: number[]) =>
      `${seconds(median(list))} s (${seconds(Math.min(...list))}-${seconds(Math.max(...list))}), ${Math.round(size / median(list))} events/s`;
    for (const size of sizes) {
      const s = timed.system.get(size);
      const b = timed.baseline.get(size)!;
      const ratio = s ? median(b) / median(s) : Number.NaN;
      rows.push({
        benchmark: `replay, ${size.toLocaleString('en')} events`,
        system: 'tokens service: CredentialReadModel rebuild (pages of 2,000 folded in memory, one pipeline of Lua applies per page) into an empty prefix',
        systemFigure: s ? figure(size, s) : skipped.get(size)!,
        baseline: `keyset pages of ${BASELINE_PAGE} rows, the same keys and values in one Redis pipeline per page`,
        baselineFigure: figure(size, b),
        ratio: times(ratio),
        target: '>= 0.5x',
        verdict: ratio >= 0.5 ? 'met' : 'missed',
      });
    }
    const measured = sizes.filter((size) => timed.system.has(size));
    if (measured.length < sizes.length) {
      rows.push({
        benchmark: 'replay, time(largest) / time(smallest)',
        system: 'the rebuild above',
        systemFigure: 'n/a: the system did not run at every size',
        baseline: 'the baseline above',
        baselineFigure: `${(median(timed.baseline.get(sizes[sizes.length - 1]!)!) / median(timed.baseline.get(sizes[0]!)!)).toFixed(2)}`,
        ratio: '-',
        target: `<= ${((sizes[sizes.length - 1]! / sizes[0]!) * 1.1).toFixed(1)}`,
        verdict: 'missed',
      });
    } else if (sizes.length > 1) {
      const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
      const growth = (variant: 'system' | 'baseline') => median(timed[variant].get(large)!) / median(timed[variant].get(small)!);
      const limit = (large / small) * 1.1;
      rows.push({
        benchmark: `replay, time(${large.toLocaleString('en')}) / time(${small.toLocaleString('en')})`,
        system: 'the rebuild above',
        systemFigure: `${growth('system').toFixed(2)}`,
        baseline: 'the baseline above',
        baselineFigure: `${growth('baseline').toFixed(2)}`,
        ratio: '-',
        target: `<= ${limit.toFixed(1)} (events x${large / small})`,
        verdict: growth('system') <= limit ? 'met' : 'missed',
      });
    }
    return rows;
  } finally {
    for (const store of stores.values()) await store.close();
    await deleteRedisPrefix(redis, `${runPrefix}:`);
    redis.disconnect();
    await database.drop();
  }
}
