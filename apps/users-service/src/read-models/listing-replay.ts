// Replays the users listing from the event store: into a fresh generation of its
// tables beside the live ones (`user_listing_replay_<id>`, ...), then, in one short
// transaction that holds the live checkpoint (so the tailer waits), both are brought to the
// same position and either the fresh tables are renamed in place of the live ones (swap)
// or every row is compared with the live one (compare) and the fresh tables dropped.
// Readers are never held for more than that transaction's renames.
import { randomUUID } from 'node:crypto';
import { ReadModelCompareReport, ReadModelDifference, ReadModelReplayView, ReplayMode, ReplayProgress, ReplayRuns, newReplayView, runReplay } from '@warden/contracts';
import { EventStore, RecordedEvent } from '@warden/event-store';
import { handOverIndexNames, quoteIdentifier } from '@warden/event-store-postgres';
import { exportReplayProgress } from '@warden/platform';
import { Pool, PoolClient } from 'pg';
import { LISTING_PROJECTION, LISTING_TABLES, ListingProjection, ListingTable } from './listing.projection';

export const USERS_LISTING_READ_MODEL = 'users-listing';
const PAGE_SIZE = 1000;
const COUNT_LIMIT = 100_000_000;

// The primary key of each table, as the key of a row in a compare report.
const ROW_KEYS: Record<ListingTable, string[]> = {
  users: ['id'],
  organizations: ['id'],
  teams: ['id'],
  roles: ['organization_id', 'name'],
};

export interface ListingReplayOptions {
  pool: Pool;
  store: EventStore;
  live: ListingProjection;
  clock?: () => Date;
}

export class ListingReplay {
  private readonly runs = new ReplayRuns();

  constructor(private readonly options: ListingReplayOptions) {
    exportReplayProgress(USERS_LISTING_READ_MODEL, () => this.status());
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
    const { pool, store, live } = this.options;
    const clock = this.options.clock ?? (() => new Date());
    const replayId = randomUUID();
    const view = newReplayView(USERS_LISTING_READ_MODEL, replayId, mode, clock());
    // Set before the first await: start() answers this run, not the previous one (or none).
    this.runs.track(view);
    const suffix = `_replay_${replayId.slice(0, 8)}`;
    const fresh = new ListingProjection(pool, live.schema, { suffix, projection: `${LISTING_PROJECTION}${suffix}` });
    return runReplay(
      view,
      {
        countEvents: () => store.countAfter(undefined, COUNT_LIMIT),
        create: () => this.createGeneration(fresh),
        fill: async (applied) => {
          let after: string | undefined;
          for (;;) {
            const page = await store.readAll({ after, limit: PAGE_SIZE });
            if (page.length === 0) break;
            await fresh.applyBatch(page);
            after = page[page.length - 1]!.position;
            applied(page.length);
          }
        },
        swap: async (applied) => void (await this.finish(fresh, 'swap', applied)),
        compare: async (applied) => (await this.finish(fresh, 'compare', applied))!,
        drop: () => this.dropGeneration(fresh),
      },
      { clock },
    );
  }

  private async createGeneration(fresh: ListingProjection): Promise<void> {
    const live = this.options.live;
    for (const table of Object.keys(LISTING_TABLES) as ListingTable[]) {
      await this.options.pool.query(`CREATE TABLE ${fresh.tables[table]} (LIKE ${live.tables[table]} INCLUDING ALL)`);
    }
  }

  private async dropGeneration(fresh: ListingProjection): Promise<void> {
    for (const table of Object.keys(LISTING_TABLES) as ListingTable[]) {
      await this.options.pool.query(`DROP TABLE IF EXISTS ${fresh.tables[table]}`);
    }
    await this.options.pool.query(`DELETE FROM ${fresh.tables.checkpoints} WHERE projection = $1`, [fresh.projection]);
  }

  /**
   * With the live checkpoint held, brings the fresh and the live generation to the same
   * position (the events neither has yet), then swaps or compares, in one transaction.
   */
  private async finish(fresh: ListingProjection, mode: ReplayMode, applied: ReplayProgress): Promise<ReadModelCompareReport | null> {
    const { pool, store, live } = this.options;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const livePosition = await live.lockCheckpoint(client);
      const freshPosition = await fresh.lockCheckpoint(client);
      let after: string | undefined = [livePosition, freshPosition].sort()[0] || undefined;
      for (;;) {
        const page: RecordedEvent[] = await store.readAll({ after, limit: PAGE_SIZE });
        if (page.length === 0) break;
        applied(page.filter((event) => event.position > freshPosition).length);
        await fresh.applyWithin(client, page);
        await live.applyWithin(client, page);
        after = page[page.length - 1]!.position;
      }
      const report = mode === 'compare' ? await this.compare(client, fresh) : null;
      if (mode === 'swap') await this.swap(client, fresh);
      await client.query('COMMIT');
      return report;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Every row of every table, keyed `<table>:<primary key>`, the live one's against the fresh one's. */
  private async compare(client: PoolClient, fresh: ListingProjection): Promise<ReadModelCompareReport> {
    const live = this.options.live;
    const differences: ReadModelDifference[] = [];
    let compared = 0;
    for (const table of Object.keys(LISTING_TABLES) as ListingTable[]) {
      const rowsOf = async (qualified: string) => {
        const keyColumns = ROW_KEYS[table].map((column) => `${quoteIdentifier(column)}::text`).join(` || '/' || `);
        const { rows } = await client.query<{ key: string; row: string }>(`SELECT ${keyColumns} AS key, to_jsonb(t)::text AS row FROM ${qualified} t`);
        return new Map(rows.map((row) => [row.key, row.row]));
      };
      const liveRows = await rowsOf(live.tables[table]);
      const freshRows = await rowsOf(fresh.tables[table]);
      for (const key of new Set([...liveRows.keys(), ...freshRows.keys()])) {
        compared += 1;
        const liveRow = liveRows.get(key) ?? null;
        const freshRow = freshRows.get(key) ?? null;
        if (liveRow !== freshRow && !onlyLaterTokenUse(table, liveRow, freshRow)) {
          differences.push({ key: `${LISTING_TABLES[table]}:${key}`, live: liveRow, replayed: freshRow });
        }
      }
    }
    return { compared, differences };
  }

  private async swap(client: PoolClient, fresh: ListingProjection): Promise<void> {
    const live = this.options.live;
    const schema = quoteIdentifier(live.schema);
    // Token use reaches last_active_at from the tokens service's log, which this store does not hold: kept.
    await client.query(
      `UPDATE ${fresh.tables.users} f SET last_active_at = l.last_active_at FROM ${live.tables.users} l
        WHERE f.id = l.id AND l.last_active_at IS NOT NULL AND (f.last_active_at IS NULL OR l.last_active_at > f.last_active_at)`,
    );
    for (const table of Object.keys(LISTING_TABLES) as ListingTable[]) {
      const name = LISTING_TABLES[table];
      const retired = `${name}_retired${fresh.generation.suffix}`;
      await handOverIndexNames(client, live.schema, name, name + fresh.generation.suffix, fresh.generation.suffix);
      await client.query(`ALTER TABLE ${live.tables[table]} RENAME TO ${quoteIdentifier(retired)}`);
      await client.query(`ALTER TABLE ${fresh.tables[table]} RENAME TO ${quoteIdentifier(name)}`);
      await client.query(`DROP TABLE ${schema}.${quoteIdentifier(retired)}`);
    }
    const { rows } = await client.query<{ position: string }>(`SELECT position FROM ${live.tables.checkpoints} WHERE projection = $1`, [fresh.projection]);
    await client.query(`UPDATE ${live.tables.checkpoints} SET position = $2 WHERE projection = $1`, [live.projection, rows[0]!.position]);
    await client.query(`DELETE FROM ${live.tables.checkpoints} WHERE projection = $1`, [fresh.projection]);
  }
}

/** A user row that differs only by a later last_active_at in the live listing: a token's use, from another service's log. */
function onlyLaterTokenUse(table: ListingTable, live: string | null, replayed: string | null): boolean {
  if (table !== 'users' || live === null || replayed === null) return false;
  const liveRow = JSON.parse(live) as Record<string, unknown>;
  const freshRow = JSON.parse(replayed) as Record<string, unknown>;
  const liveActive = liveRow['last_active_at'];
  const freshActive = freshRow['last_active_at'];
  if (typeof liveActive !== 'string' || (freshActive !== null && !(Date.parse(liveActive) > Date.parse(String(freshActive))))) return false;
  return JSON.stringify({ ...liveRow, last_active_at: null }) === JSON.stringify({ ...freshRow, last_active_at: null });
}
