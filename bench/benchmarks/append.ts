// Append: the event store's write rate, the ceiling of every command (each issue, revoke or
// change is one append to its service's single log). `PostgresEventStore.append` of one
// TokenIssued-sized event to a new stream, N in flight on a pool of N connections, against
// the issue benchmark's baseline (one INSERT per transaction, the same N) in a database of
// the benchmark's own. No service runs: this is the store alone, at each `--append-concurrency`.
// Then the other end of the single log: the relay (as the services run it: batches of 100,
// each PubAck awaited before the checkpoint) draining a log of N events, N the smallest of
// `--replay-sizes`, into a JetStream stream of its own at one replica: events/s; and the
// PostgreSQL bytes per event that log takes (table, TOAST and indexes).
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { Pool } from 'pg';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { EventRelay, ensureEventsStream, silentMessagingLog } from '@warden/messaging';
import { TEST_NATS_URL, deleteStreamQuietly, pollUntil, uniqueTestId } from '@warden/testing';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateFigure, ratioOf, times } from '../support/format';
import { RunFigures, closedLoop } from '../support/stats';
import { BASELINE_TABLE_SQL, insertRun } from './issue';
import { benchDatabase, tokenEventStore } from './replay';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** `concurrency` loops appending one event each to a stream of its own, for `seconds`. */
function appendRun(store: PostgresEventStore, seconds: number, concurrency: number): Promise<RunFigures> {
  return closedLoop(seconds, concurrency, async () => {
    const tokenId = randomUUID();
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
  });
}

/** The relay's drain rate: `count` events already in the log, published to a stream of the run's own. */
async function relayDrain(count: number, log: (line: string) => void): Promise<Row> {
  const database = await benchDatabase('relay');
  const id = uniqueTestId('benchrelay');
  const stream = `S_${id}`;
  const subjectPrefix = `${id}.events`;
  const nc = await connect({ servers: TEST_NATS_URL });
  const jsm = await nc.jetstreamManager();
  const pool = new Pool({ connectionString: database.url, max: 2 });
  pool.on('error', (error) => log(`append: relay pool: ${error.message}`));
  const store = await tokenEventStore(database.url, 'events', count);
  let relay: EventRelay | undefined;
  try {
    await ensureEventsStream(jsm, { stream, subjectPrefix });
    relay = new EventRelay({ service: 'tokens', store, pool, schema: 'events', js: nc.jetstream(), stream, subjectPrefix, log: silentMessagingLog });
    const started = performance.now();
    relay.start();
    const running = relay;
    await pollUntil(async () => running.status().published >= count, `the relay to publish ${count} events`, 600_000, 20);
    const took = (performance.now() - started) / 1000;
    const stored = (await jsm.streams.info(stream)).state.messages;
    if (stored !== count) throw new Error(`append: the relay published ${count} events but the stream holds ${stored}`);
    log(`append: the relay drained ${count} events in ${took.toFixed(2)} s`);
    // what the log takes on disk per event: the table, its TOAST and its indexes
    const { rows } = await pool.query<{ bytes: string }>(`SELECT pg_total_relation_size('events.events')::text AS bytes`);
    const perEvent = Math.round(Number(rows[0]!.bytes) / count);
    return {
      benchmark: 'relay',
      system: `the relay draining ${count.toLocaleString('en')} events already in the log into JetStream (batches of 100, one replica), one run`,
      systemFigure: `${Math.round(count / took)} events/s (${took.toFixed(2)} s); the log on disk ${perEvent} B per event (table, TOAST and indexes)`,
      baseline: '-',
      baselineFigure: '-',
      ratio: '-',
      target: 'reported (the single log\'s publish ceiling: docs/scaling.md)',
      verdict: 'reported',
    };
  } finally {
    await relay?.stop();
    await store.close();
    await pool.end();
    await deleteStreamQuietly(jsm, stream);
    await nc.close();
    await database.drop();
  }
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
  rows.push(await relayDrain(Math.min(...options.replaySizes), log));
  return rows;
}
