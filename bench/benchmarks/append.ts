// Append: the event store's write rate, the ceiling of every command (each issue, revoke or
// change is one append to its service's single log). `PostgresEventStore.append` of one
// TokenIssued-sized event to a new stream, N in flight on a pool of N connections, against
// the issue benchmark's baseline (one INSERT per transaction, the same N) in a database of
// the benchmark's own. No service runs: this is the store alone, at each `--append-concurrency`.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateFigure, ratioOf, times } from '../support/format';
import { LatencySamples, RunFigures } from '../support/stats';
import { BASELINE_TABLE_SQL, insertRun } from './issue';
import { benchDatabase } from './replay';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** `concurrency` loops appending one event each to a stream of its own, for `seconds`. */
async function appendRun(store: PostgresEventStore, seconds: number, concurrency: number): Promise<RunFigures> {
  const samples = new LatencySamples();
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const tokenId = randomUUID();
      const t = performance.now();
      try {
        await store.append({
          streamId: `token-${tokenId}`,
          expectedVersion: 'no_stream',
          events: [
            {
              id: randomUUID(),
              type: 'TokenIssued',
              // the fields and sizes of a TokenIssued event's data
              data: { tokenId, organizationId: randomUUID(), ownerId: randomUUID(), name: 'appended by the benchmark', visibility: 'private', allowedOrigins: [], expiresAt: null, permissions: null, secretHash: 'f'.repeat(64), lastFour: '0000', issuedAt: new Date().toISOString() },
              metadata: { correlationId: randomUUID(), actorId: randomUUID(), actorType: 'user', organizationId: randomUUID() },
            },
          ],
        });
      } catch {
        failures++;
      }
      samples.add(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: samples.count / elapsed, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99), failures };
}

export async function benchAppend(ctx: Pick<BenchContext, 'options' | 'log'>): Promise<Row[]> {
  const { options, log } = ctx;
  const rows: Row[] = [];
  for (const concurrency of options.appendConcurrency) {
    const database = await benchDatabase('append');
    const pool = new Pool({ connectionString: database.url, max: concurrency });
    pool.on('error', (error) => log(`append: baseline pool: ${error.message}`));
    let store: PostgresEventStore | undefined;
    try {
      await pool.query(BASELINE_TABLE_SQL);
      store = await PostgresEventStore.connect({ connectionString: database.url, schema: 'events', poolSize: concurrency, logger: quiet });
      const connected = store;
      const summaries = await alternate(
        options,
        `append, ${concurrency} in flight`,
        {
          system: (seconds) => appendRun(connected, seconds, concurrency),
          baseline: (seconds) => insertRun(pool, seconds, concurrency),
        },
        log,
      );
      const failures = summaries.system.median.failures + summaries.baseline.median.failures;
      rows.push({
        benchmark: 'append',
        system: `event store: \`PostgresEventStore.append\`, one TokenIssued event to a new stream, ${concurrency} in flight (pool of ${concurrency})`,
        systemFigure: rateFigure(summaries.system),
        baseline: `one INSERT per transaction from Node (pg), ${concurrency} connections`,
        baselineFigure: rateFigure(summaries.baseline),
        ratio: times(ratioOf(summaries.system.median.perSecond, summaries.baseline.median.perSecond)),
        target: 'reported (the single log\'s write ceiling: docs/scaling.md)',
        verdict: 'reported',
        ...(failures > 0 && { note: `${failures} appends or inserts failed` }),
      });
    } finally {
      await store?.close();
      await pool.end();
      await database.drop();
    }
  }
  return rows;
}
