import { EventStore, LogPosition, RecordedEvent } from '@warden/event-store';
import { Migration, quoteIdentifier, runMigrations } from '@warden/event-store-postgres';
import type { Pool } from 'pg';

/** Which event stream holds the secret with a given SHA-256: what the store fallback looks up first. */
export interface CredentialStreams {
  /** Creates (and fills) the lookup; runs once, at start. */
  migrate(): Promise<void>;
  streamOf(hash: string): Promise<string | null>;
}

// The events that bring a secret: an API token's issued or rotated secret, a session key.
const SECRET_EVENT_TYPES = ['TokenIssued', 'TokenRotated', 'SessionStarted'];

const COMPONENT = 'credential-streams';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'secret hash to stream lookup, filled by a trigger on events',
    sql: (s) => `
      CREATE TABLE ${s}.credential_streams (
        secret_hash text PRIMARY KEY,
        stream_id text NOT NULL
      );
      CREATE FUNCTION ${s}.note_credential_stream() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN
        INSERT INTO ${s}.credential_streams (secret_hash, stream_id)
          VALUES (COALESCE(NEW.data->>'secretHash', NEW.data->>'keyHash'), NEW.stream_id)
          ON CONFLICT (secret_hash) DO NOTHING;
        RETURN NULL;
      END
      $body$;
      CREATE TRIGGER events_credential_streams AFTER INSERT ON ${s}.events
        FOR EACH ROW WHEN (NEW.type IN ('TokenIssued', 'TokenRotated', 'SessionStarted'))
        EXECUTE FUNCTION ${s}.note_credential_stream();
      INSERT INTO ${s}.credential_streams (secret_hash, stream_id)
        SELECT COALESCE(data->>'secretHash', data->>'keyHash'), stream_id FROM ${s}.events
        WHERE type IN ('TokenIssued', 'TokenRotated', 'SessionStarted')
        ON CONFLICT (secret_hash) DO NOTHING;
    `,
  },
];

/**
 * A lookup table in the tokens service's own schema, from every secret hash (an API token's
 * issued or rotated secret, a session key) to its stream. A trigger on the events table
 * fills it in the transaction that appends the event, so it is never behind the store, and
 * the migration that creates it fills it from the history already there. Rows are never
 * removed: the decision is made from the stream's events, which say when a secret ended.
 */
export class PostgresCredentialStreams implements CredentialStreams {
  private readonly table: string;
  private migrated: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    this.table = `${quoteIdentifier(schema)}.credential_streams`;
  }

  /** Migrates the schema once (after the event store's own migrations created the events table). */
  migrate(): Promise<void> {
    this.migrated ??= runMigrations(this.pool, this.schema, COMPONENT, MIGRATIONS).then(
      () => undefined,
      (error: unknown) => {
        this.migrated = undefined;
        throw error;
      },
    );
    return this.migrated;
  }

  async streamOf(hash: string): Promise<string | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ stream_id: string }>(`SELECT stream_id FROM ${this.table} WHERE secret_hash = $1`, [hash]);
    return rows[0]?.stream_id ?? null;
  }
}

const FROM_LOG_COMPONENT = 'credential-streams-from-log';

const FROM_LOG_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'secret hash to stream lookup, filled from the event log',
    sql: (s) => `
      CREATE TABLE ${s}.credential_streams_from_log (
        secret_hash text PRIMARY KEY,
        stream_id text NOT NULL
      );
      CREATE TABLE ${s}.credential_streams_from_log_position (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position text NOT NULL
      );
    `,
  },
];

const PAGE = 500;

/**
 * The same lookup for an event store with no `events` table to put a trigger on (KurrentDB):
 * a table in the service's PostgreSQL schema, filled from the store's global log. Each lookup
 * first reads the log on from where the table stopped, so it is never behind an event
 * committed before the lookup (KurrentDB orders its log at commit: nothing is held back).
 * Instances sharing the table read the same log and write the same rows.
 */
export class LogCredentialStreams implements CredentialStreams {
  private readonly table: string;
  private readonly positionTable: string;
  private migrated: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private nextReading: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly store: EventStore,
  ) {
    this.table = `${quoteIdentifier(schema)}.credential_streams_from_log`;
    this.positionTable = `${quoteIdentifier(schema)}.credential_streams_from_log_position`;
  }

  migrate(): Promise<void> {
    this.migrated ??= runMigrations(this.pool, this.schema, FROM_LOG_COMPONENT, FROM_LOG_MIGRATIONS).then(
      () => this.catchUp(),
      (error: unknown) => {
        this.migrated = undefined;
        throw error;
      },
    );
    return this.migrated;
  }

  async streamOf(hash: string): Promise<string | null> {
    await this.migrate();
    await this.catchUp();
    const { rows } = await this.pool.query<{ stream_id: string }>(`SELECT stream_id FROM ${this.table} WHERE secret_hash = $1`, [hash]);
    return rows[0]?.stream_id ?? null;
  }

  // A read of the log already running may have passed its page before an event the caller
  // was told is committed: callers arriving meanwhile share the next read, which starts after.
  private catchUp(): Promise<void> {
    if (!this.reading) {
      this.reading = this.readLogOn().finally(() => {
        this.reading = undefined;
      });
      return this.reading;
    }
    this.nextReading ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.nextReading = undefined;
        return this.catchUp();
      });
    return this.nextReading;
  }

  private async readLogOn(): Promise<void> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.positionTable}`);
    let after: LogPosition | undefined = rows[0]?.position;
    for (;;) {
      const page = await this.store.readAll({ after, limit: PAGE });
      if (page.length === 0) return;
      const noted = page.flatMap(secretOf);
      const last = page[page.length - 1]!.position;
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        if (noted.length > 0) {
          await client.query(
            `INSERT INTO ${this.table} (secret_hash, stream_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (secret_hash) DO NOTHING`,
            [noted.map((entry) => entry.hash), noted.map((entry) => entry.streamId)],
          );
        }
        // Forward only, in byte order: another instance may have read further meanwhile.
        await client.query(
          `INSERT INTO ${this.positionTable} (position) VALUES ($1)
           ON CONFLICT (singleton) DO UPDATE SET position = EXCLUDED.position
           WHERE ${this.positionTable}.position COLLATE "C" < EXCLUDED.position COLLATE "C"`,
          [last],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      if (page.length < PAGE) return;
      after = last;
    }
  }
}

// Read from the stored data as the trigger above reads it, whatever the event's shape version.
function secretOf(event: RecordedEvent): { hash: string; streamId: string }[] {
  if (!SECRET_EVENT_TYPES.includes(event.type)) return [];
  const hash = event.data.secretHash ?? event.data.keyHash;
  return typeof hash === 'string' ? [{ hash, streamId: event.streamId }] : [];
}
