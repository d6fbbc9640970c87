// Token listing at any size: `TokensService.list` (what `GET /tokens` runs in the tokens
// service) on real Redis, 50 calls in flight, for page 1 of an organization with 100 tokens
// against page 1 and page 500 of one with 100,000 (`--listing-tokens`), unfiltered and by owner,
// 20 per page. Each variant is the listing's two round trips (the page cut from the listing
// index in one pipeline, then one MGET of its records) and the views; the event
// store behind the service refuses every call, so a listing that read it would fail here.
// The read model's keys are written in bulk from the projection's own ops for a token
// issued once (as the replay and memory benchmarks write theirs), into a prefix of the run's
// own, deleted at the end.
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { RequestContext, credentialGenerationPrefix } from '@warden/contracts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, deleteRedisPrefix, refusingEventStore, uniqueTestId } from '@warden/testing';
import { CredentialReadModel } from '../../apps/tokens-service/src/credentials/credential-read-model';
import { CredentialStoreVerification } from '../../apps/tokens-service/src/credentials/credential-store-verification';
import { PostgresCredentialStreams } from '../../apps/tokens-service/src/credentials/credential-streams';
import { adminContext } from '../../apps/tokens-service/src/test/tokens-harness';
import { TokensService } from '../../apps/tokens-service/src/tokens/tokens.service';
import { alternate } from '../support/alternate';
import type { BenchOptions } from '../support/options';
import type { Row } from '../support/context';
import { rateRow } from '../support/format';
import { RunFigures, closedLoop } from '../support/stats';
import { IssuedData, writeTokenKeys } from './replay';

const SMALL = 100;
const OWNERS = 10;
const PAGE_SIZE = 20;
const DEEP_PAGE = 500;
const WRITE_BATCH = 5_000;

function issued(organizationId: string, owners: readonly string[], i: number): IssuedData {
  return {
    tokenId: randomUUID(),
    organizationId,
    ownerId: owners[i % owners.length]!,
    name: `listed token ${i}`,
    visibility: 'private',
    allowedOrigins: [],
    expiresAt: null,
    permissions: null,
    secretHash: randomBytes(32).toString('hex'),
    lastFour: String(i % 10_000).padStart(4, '0'),
    issuedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  };
}

async function writeOrganization(redis: Redis, keyPrefix: string, organizationId: string, owners: readonly string[], count: number): Promise<void> {
  for (let start = 0; start < count; start += WRITE_BATCH) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(count, start + WRITE_BATCH); i++) writeTokenKeys(pipeline, keyPrefix, issued(organizationId, owners, i));
    await pipeline.exec();
  }
}

/** `inFlight` loops calling `list` for `seconds`; a page that is not full counts as a failure. */
function listRun(list: () => Promise<{ results: unknown[] }>, seconds: number, inFlight: number): Promise<RunFigures> {
  return closedLoop(seconds, inFlight, async () => (await list()).results.length === PAGE_SIZE);
}

export async function benchTokenListing(ctx: { options: BenchOptions; log: (line: string) => void }): Promise<Row[]> {
  const { options, log } = ctx;
  const count = options.listingTokens;
  const redis = new Redis(TEST_REDIS_URL);
  const keyPrefix = `${uniqueTestId('benchlist')}:`;
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    const big = randomUUID();
    const small = randomUUID();
    const owners = Array.from({ length: OWNERS }, () => randomUUID());
    const started = Date.now();
    await writeOrganization(redis, keyPrefix + credentialGenerationPrefix(''), big, owners, count);
    await writeOrganization(redis, keyPrefix + credentialGenerationPrefix(''), small, owners, SMALL);
    log(`token-listing: ${count} and ${SMALL} tokens written in ${Math.round((Date.now() - started) / 1000)} s`);

    const store = refusingEventStore();
    const readModel = new CredentialReadModel({ redis, keyPrefix, store, log: () => undefined });
    const tokens = new TokensService({
      store,
      readModel,
      storeVerification: new CredentialStoreVerification({ store, streams: new PostgresCredentialStreams(pool, 'unused'), redis, keyPrefix }),
      redis,
      keyPrefix,
      randomBytes,
      exchangedTokenLifetimeSeconds: 86400,
    });
    const caller = (organizationId: string): RequestContext => adminContext(randomUUID(), organizationId);
    const list = (organizationId: string, payload: Record<string, unknown>) => {
      const context = caller(organizationId);
      return () => tokens.list({ context, payload: { page_size: PAGE_SIZE, ...payload } });
    };
    const inFlight = options.connections;
    const run = (call: () => Promise<{ results: unknown[] }>) => (seconds: number) => listRun(call, seconds, inFlight);
    const summaries = await alternate(
      options,
      `token-listing (${inFlight} in flight)`,
      {
        small: run(list(small, { page: 1 })),
        first: run(list(big, { page: 1 })),
        deep: run(list(big, { page: DEEP_PAGE })),
        filtered: run(list(big, { page: DEEP_PAGE, owner: owners[0] })),
      },
      log,
    );
    const baseline = `page 1 of an organization with ${SMALL} tokens, ${PAGE_SIZE} per page, ${inFlight} in flight`;
    const row = (variant: 'first' | 'deep' | 'filtered', what: string) => ({
      ...rateRow('token listing', `\`TokensService.list\`: ${what} of an organization with ${count.toLocaleString('en')} tokens`, baseline, summaries[variant], summaries.small, 0.5),
      target: 'at most 2x the time (>= 0.5x the rate)',
    });
    return [
      row('first', 'page 1'),
      row('deep', `page ${DEEP_PAGE}`),
      row('filtered', `page ${DEEP_PAGE} of one owner's tokens (${(count / OWNERS).toLocaleString('en')})`),
    ];
  } finally {
    await deleteRedisPrefix(redis, keyPrefix);
    redis.disconnect();
    await pool.end();
  }
}
