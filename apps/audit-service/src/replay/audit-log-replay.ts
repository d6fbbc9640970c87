// Replays the audit log from the services' event stores: every event of every
// audited store is recorded again, secrets removed as the ingestor removes them, into a
// fresh generation of the audit tables beside the live ones (`audit_records_replay_<id>`,
// `audit_chain_heads_replay_<id>`), while the live log keeps serving and ingesting.
//
// The replayed chains are built in a defined order, not in the live log's arrival order
// (which interleaves the services as JetStream delivered them): source by source, in the
// order the sources are configured (users, then tokens), each store in its global log
// order, then the events appended meanwhile in the same way. A compare therefore keys
// records by event id and compares their content without the chain fields.
//
// Swap: in one transaction that keeps writers (the ingestor, the backfill) waiting but not
// readers, the fresh generation catches up with the stores' ends, then the fresh tables
// are renamed in place of the live ones. Every record the live log holds came from a
// committed store event, so nothing ingested meanwhile is lost; a record in the live log
// that no store holds (written behind the service's back) is not carried over. Readers
// wait only for the renames.
//
// Compare: the live log lags the stores by the relay and the consumer, so the compare first
// lets it settle (the count of replayed records missing from it stops changing), then, with
// its writers held, compares every record. Records missing from the live log are reported
// only up to the position read before settling: later ones may still be on their way.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadModelCompareReport, ReadModelDifference, ReadModelReplayView, ReplayMode, ReplayRuns, withReplayRate } from '@warden/contracts';
import { RecordedEvent } from '@warden/event-store';
import { handOverIndexNames, quoteIdentifier } from '@warden/event-store-postgres';
import { exportReplayProgress } from '@warden/platform';
import { Pool, PoolClient } from 'pg';
import { GENESIS_HASH, chainOf, chainRecord } from '../audit-log/audit-chain';
import { auditRecordOf } from '../audit-log/audit-record';
import { toView } from '../audit-log/audit-record.repository';
import { SourceEventStores } from '../backfill/source-event-stores';

export const AUDIT_LOG_READ_MODEL = 'audit-log';
const RECORDS_TABLE = 'audit_records';
const HEADS_TABLE = 'audit_chain_heads';
const COUNT_LIMIT = 100_000_000;
// What a compare leaves out of a record: its place in the chain, which depends on arrival order.
const CHAIN_FIELDS = ['sequence', 'chain', 'chain_sequence', 'previous_hash', 'hash', 'stored_at'];

export interface AuditLogReplayOptions {
  pool: Pool;
  /** The audit service's schema. */
  schema: string;
  sources: SourceEventStores;
  clock?: () => Date;
  /** Events read and recorded per page of a store's global log. */
  pageSize?: number;
  /** Compare: how long the replayed records missing from the live log must stay as many before they count as missing. */
  settleMs?: number;
  settlePollMs?: number;
}

type Queryable = Pick<PoolClient, 'query'>;

interface ChainHead {
  sequence: number;
  hash: string;
}

/** One fresh generation of the audit tables and what the replay has read into it. */
interface Generation {
  suffix: string;
  recordsName: string;
  headsName: string;
  sequenceName: string;
  records: string;
  heads: string;
  /** Chain heads of the replayed records, kept here: only this run writes the fresh tables. */
  chains: Map<string, ChainHead>;
  /** The last position read of each source. */
  after: Map<string, string>;
}

export class AuditLogReplay {
  private readonly runs = new ReplayRuns();
  private readonly s: string;
  private readonly liveRecords: string;
  private readonly liveHeads: string;

  constructor(private readonly options: AuditLogReplayOptions) {
    this.s = quoteIdentifier(options.schema);
    this.liveRecords = `${this.s}.${RECORDS_TABLE}`;
    this.liveHeads = `${this.s}.${HEADS_TABLE}`;
    exportReplayProgress(AUDIT_LOG_READ_MODEL, () => this.status());
  }

  /** The current or last run; null when none ran since start. */
  status(): ReadModelReplayView | null {
    return this.runs.status();
  }

  /** Starts a run in the background (or answers the one already running). */
  start(mode: ReplayMode = 'swap'): ReadModelReplayView {
    return this.runs.start(() => this.run(mode))!;
  }

  /** One whole run; resolves with its final view, a failed run included. */
  async run(mode: ReplayMode = 'swap'): Promise<ReadModelReplayView> {
    const replayId = randomUUID();
    const now = () => (this.options.clock ?? (() => new Date()))();
    const view: ReadModelReplayView = {
      read_model: AUDIT_LOG_READ_MODEL,
      replay_id: replayId,
      mode,
      state: 'running',
      started_at: now().toISOString(),
      finished_at: null,
      events_done: 0,
      events_total: 0,
      events_per_second: 0,
      seconds_left: null,
      error: null,
      report: null,
    };
    this.runs.track(view);
    const generation = this.generation(replayId);
    const applied = (count: number) => (view.events_done += count);
    // The run shows as finished only once its scratch tables are gone: a client seeing it
    // finished may start the next run at once.
    const outcome: Pick<ReadModelReplayView, 'state' | 'error' | 'report'> = { state: 'succeeded', error: null, report: null };
    try {
      view.events_total = await this.countEvents();
      await this.createGeneration(generation);
      // The bulk of the work, with the live log serving and ingesting.
      await this.readSources(this.options.pool, generation, applied);
      if (mode === 'compare') {
        const horizon = new Map(generation.after);
        await this.settle(generation);
        outcome.report = await this.compare(generation, horizon, applied);
      } else {
        await this.swap(generation, applied);
      }
    } catch (error) {
      outcome.state = 'failed';
      outcome.error = error instanceof Error ? error.message : String(error);
    }
    if (mode === 'compare' || outcome.state === 'failed') await this.dropGeneration(generation).catch(() => undefined);
    Object.assign(view, outcome, { finished_at: now().toISOString() });
    return withReplayRate(view);
  }

  private async countEvents(): Promise<number> {
    let total = 0;
    for (const service of this.options.sources.services()) {
      const store = await this.options.sources.open(service);
      if (store) total += await store.countAfter(undefined, COUNT_LIMIT);
    }
    return total;
  }

  private generation(replayId: string): Generation {
    const suffix = `_replay_${replayId.slice(0, 8)}`;
    const recordsName = RECORDS_TABLE + suffix;
    const headsName = HEADS_TABLE + suffix;
    return {
      suffix,
      recordsName,
      headsName,
      sequenceName: `${recordsName}_sequence_seq`,
      records: `${this.s}.${quoteIdentifier(recordsName)}`,
      heads: `${this.s}.${quoteIdentifier(headsName)}`,
      chains: new Map(),
      after: new Map(),
    };
  }

  /** The live tables' shape, with a sequence of its own (LIKE would share the live one) and the append-only trigger. */
  private async createGeneration(generation: Generation): Promise<void> {
    const { pool } = this.options;
    const sequence = `${this.s}.${quoteIdentifier(generation.sequenceName)}`;
    await pool.query(`CREATE TABLE ${generation.records} (LIKE ${this.liveRecords} INCLUDING ALL)`);
    await pool.query(`CREATE SEQUENCE ${sequence} OWNED BY ${generation.records}.sequence`);
    await pool.query(`ALTER TABLE ${generation.records} ALTER COLUMN sequence SET DEFAULT nextval('${sequence.replaceAll("'", "''")}'::regclass)`);
    await pool.query(
      `CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON ${generation.records}
         FOR EACH ROW EXECUTE FUNCTION ${this.s}.refuse_audit_record_changes()`,
    );
    await pool.query(`CREATE TABLE ${generation.heads} (LIKE ${this.liveHeads} INCLUDING ALL)`);
  }

  private async dropGeneration(generation: Generation): Promise<void> {
    await this.options.pool.query(`DROP TABLE IF EXISTS ${generation.records}, ${generation.heads}`);
  }

  /** Reads every source from where this run left it up to its current end, recording each page into the fresh tables. */
  private async readSources(db: Queryable, generation: Generation, applied: (count: number) => void): Promise<void> {
    const pageSize = this.options.pageSize ?? 1000;
    for (const service of this.options.sources.services()) {
      const store = await this.options.sources.open(service);
      if (!store) continue;
      for (;;) {
        const page = await store.readAll({ after: generation.after.get(service), limit: pageSize });
        if (page.length === 0) break;
        await this.recordPage(db, generation, service, page);
        generation.after.set(service, page[page.length - 1]!.position);
        applied(page.length);
      }
    }
  }

  private async recordPage(db: Queryable, generation: Generation, service: string, events: RecordedEvent[]): Promise<void> {
    const rows = events.map((event) => {
      const content = auditRecordOf({ ...event, service });
      const chain = chainOf(content.organizationId);
      const head = generation.chains.get(chain) ?? { sequence: 0, hash: GENESIS_HASH };
      const record = chainRecord(content, head.sequence + 1, head.hash);
      generation.chains.set(chain, { sequence: record.chainSequence, hash: record.hash });
      // The live table's columns: the record as the API shows it, and its chain.
      return { chain: record.chain, ...toView(record), actor_credential_kind: record.actorCredentialKind, actor_credential_id: record.actorCredentialId };
    });
    const columns = `chain, chain_sequence, event_id, event_type, schema_version, service, stream_id, stream_version, position, recorded_at,
      actor_id, actor_type, organization_id, correlation_id, client_address, user_agent, data, previous_hash, hash, actor_credential_kind,
      actor_credential_id`;
    // In page order: the fresh sequence follows the chain order.
    await db.query(
      `INSERT INTO ${generation.records} (${columns})
       SELECT ${columns} FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (chain text, chain_sequence bigint, event_id uuid,
         event_type text, schema_version integer, service text, stream_id text, stream_version bigint, position text, recorded_at timestamptz, actor_id text,
         actor_type text, organization_id text, correlation_id text, client_address text, user_agent text, data jsonb,
         previous_hash text, hash text, actor_credential_kind text, actor_credential_id text)) WITH ORDINALITY AS x(${columns}, n)
       ORDER BY x.n`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Waits until as many replayed records are missing from the live log at two polls
   * `settleMs` apart (none, once the ingestor has caught up): what is still missing then
   * is missing, not on its way.
   */
  private async settle(generation: Generation): Promise<void> {
    const settleMs = this.options.settleMs ?? 3000;
    const pollMs = this.options.settlePollMs ?? 250;
    const missing = async () => {
      const { rows } = await this.options.pool.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM ${generation.records} f WHERE NOT EXISTS (SELECT 1 FROM ${this.liveRecords} l WHERE l.event_id = f.event_id)`,
      );
      return Number(rows[0]!.count);
    };
    let last = await missing();
    let since = Date.now();
    while (last > 0 && Date.now() - since < settleMs) {
      await sleep(pollMs);
      const count = await missing();
      if (count !== last) {
        last = count;
        since = Date.now();
      }
    }
  }

  /**
   * With the live log's writers held (its readers are not), catches the fresh records up
   * with the stores and compares each record by event id, content only. A record only the
   * replay has counts as missing from the live log if it was read before settling.
   */
  private async compare(generation: Generation, horizon: Map<string, string>, applied: (count: number) => void): Promise<ReadModelCompareReport> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`LOCK TABLE ${this.liveRecords} IN SHARE MODE`);
      await this.readSources(client, generation, applied);
      const content = (table: string) => `SELECT event_id, service, position, to_jsonb(r) - ${sqlTextArray(CHAIN_FIELDS)} AS content FROM ${table} r`;
      const joined = `FROM (${content(this.liveRecords)}) l FULL JOIN (${content(generation.records)}) f ON l.event_id = f.event_id
        WHERE NOT (l.event_id IS NULL AND f.position COLLATE "C" > coalesce($1::jsonb ->> f.service, '') COLLATE "C")`;
      const horizonJson = JSON.stringify(Object.fromEntries(horizon));
      const { rows: counted } = await client.query<{ count: string }>(`SELECT count(*)::text AS count ${joined}`, [horizonJson]);
      const { rows } = await client.query<{ key: string; live: string | null; replayed: string | null }>(
        `SELECT coalesce(l.event_id, f.event_id)::text AS key, l.content::text AS live, f.content::text AS replayed
         ${joined} AND l.content IS DISTINCT FROM f.content ORDER BY 1`,
        [horizonJson],
      );
      await client.query('COMMIT');
      const differences: ReadModelDifference[] = rows.map((row) => ({ key: `${RECORDS_TABLE}:${row.key}`, live: row.live, replayed: row.replayed }));
      return { compared: Number(counted[0]!.count), differences };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Holds the live log's writers (a record being appended finishes first; readers go on),
   * catches the fresh tables up with the stores, and renames them in place of the live
   * ones, indexes and sequence included, under the names the migrations know.
   */
  private async swap(generation: Generation, applied: (count: number) => void): Promise<void> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      // Heads first, as an append and a verification take them: no deadlock with either.
      await client.query(`LOCK TABLE ${this.liveHeads}, ${this.liveRecords} IN EXCLUSIVE MODE`);
      await this.readSources(client, generation, applied);
      const heads = [...generation.chains].map(([chain, head]) => ({ chain, last_sequence: head.sequence, last_hash: head.hash }));
      await client.query(
        `INSERT INTO ${generation.heads} (chain, last_sequence, last_hash)
         SELECT chain, last_sequence, last_hash FROM jsonb_to_recordset($1::jsonb) AS x(chain text, last_sequence bigint, last_hash text)`,
        [JSON.stringify(heads)],
      );
      const { rows } = await client.query<{ sequence: string | null }>(`SELECT pg_get_serial_sequence($1, 'sequence') AS sequence`, [this.liveRecords]);
      // From here to the commit, readers wait: renames only.
      await client.query(`LOCK TABLE ${this.liveHeads}, ${this.liveRecords} IN ACCESS EXCLUSIVE MODE`);
      for (const [live, fresh] of [
        [HEADS_TABLE, generation.headsName],
        [RECORDS_TABLE, generation.recordsName],
      ] as const) {
        const retired = `${live}_retired${generation.suffix}`;
        await handOverIndexNames(client, this.options.schema, live, fresh, generation.suffix);
        await client.query(`ALTER TABLE ${this.s}.${quoteIdentifier(live)} RENAME TO ${quoteIdentifier(retired)}`);
        await client.query(`ALTER TABLE ${this.s}.${quoteIdentifier(fresh)} RENAME TO ${quoteIdentifier(live)}`);
        await client.query(`DROP TABLE ${this.s}.${quoteIdentifier(retired)}`);
      }
      // The retired table took its sequence with it; the fresh one takes its name.
      const liveSequence = rows[0]?.sequence ? rows[0].sequence.split('.').pop()!.replace(/^"|"$/g, '') : `${RECORDS_TABLE}_sequence_seq`;
      await client.query(`ALTER SEQUENCE ${this.s}.${quoteIdentifier(generation.sequenceName)} RENAME TO ${quoteIdentifier(liveSequence)}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function sqlTextArray(values: string[]): string {
  return `ARRAY[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')}]::text[]`;
}
