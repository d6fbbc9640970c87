// Versioned, idempotent schema migrations, serialised by an advisory lock so that
// instances starting together do not race. Other components that keep tables in the
// same schema (the relay's checkpoints) can run theirs through the same runner.
import { Pool } from 'pg';
import { appendChannel, quoteIdentifier, quoteLiteral } from './postgres-identifiers';

export interface Migration {
  version: number;
  name: string;
  /** SQL for one schema, given as a quoted identifier. Runs inside the migration transaction. */
  sql: (quotedSchema: string) => string;
}

export interface MigrationReport {
  applied: number[];
}

export async function runMigrations(
  pool: Pool,
  schema: string,
  component: string,
  migrations: Migration[],
): Promise<MigrationReport> {
  const quoted = quoteIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One lock per schema, whatever the component: DDL in one schema is serialised.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('warden.schema-migrations'), hashtext($1))`, [
      schema,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         component text NOT NULL,
         version integer NOT NULL,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (component, version)
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${quoted}.schema_migrations WHERE component = $1`,
      [component],
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql(quoted));
      await client.query(
        `INSERT INTO ${quoted}.schema_migrations (component, version, name) VALUES ($1, $2, $3)`,
        [component, migration.version, migration.name],
      );
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export function eventStoreMigrations(schema: string): Migration[] {
  const channel = quoteLiteral(appendChannel(schema));
  return [
    {
      version: 1,
      name: 'events table, log order index, append notification',
      sql: (s) => `
        CREATE TABLE ${s}.events (
          global_position bigserial NOT NULL,
          -- readers order the log by (transaction_id, global_position) and only read
          -- transactions older than every open one: see PostgresEventStore.readAll
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          event_id uuid NOT NULL,
          stream_id text NOT NULL,
          version bigint NOT NULL CHECK (version >= 1),
          type text NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          -- the clock at insert, not at transaction start, so a stream's times rise with
          -- its versions; milliseconds, as a JavaScript Date round-trips them
          recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
          CONSTRAINT events_pkey PRIMARY KEY (stream_id, version),
          CONSTRAINT events_event_id_key UNIQUE (event_id)
        );
        CREATE INDEX events_log_order ON ${s}.events (transaction_id, global_position);

        CREATE FUNCTION ${s}.notify_events_appended() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          -- delivered at commit, once per transaction
          PERFORM pg_notify(TG_ARGV[0], '');
          RETURN NULL;
        END
        $body$;
        CREATE TRIGGER events_appended AFTER INSERT ON ${s}.events
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_events_appended(${channel});

        -- the log is the source of truth: history is appended to, never rewritten
        CREATE FUNCTION ${s}.refuse_event_changes() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
        END
        $body$;
        CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${s}.events
          FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_event_changes();
      `,
    },
    {
      version: 2,
      name: 'append notification after commit for the store, by the trigger for other writers',
      // A NOTIFY sent inside a transaction takes a cluster-wide lock at commit and holds it
      // through the commit's WAL flush, so every notifying append of every schema commits
      // one after another. The store's own appends set warden.append_notify and send their
      // notification after the commit instead (PostgresEventStore); a row inserted by any
      // other writer still notifies from here.
      sql: (s) => `
        CREATE OR REPLACE FUNCTION ${s}.notify_events_appended() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          IF coalesce(current_setting('warden.append_notify', true), '') <> 'after-commit' THEN
            -- delivered at commit, once per transaction
            PERFORM pg_notify(TG_ARGV[0], '');
          END IF;
          RETURN NULL;
        END
        $body$;
      `,
    },
    {
      version: 3,
      name: 'schema version of each event',
      // A constant default: PostgreSQL adds the column without rewriting the table (and so
      // without the append-only trigger firing); every event stored before is version 1.
      sql: (s) => `
        ALTER TABLE ${s}.events ADD COLUMN schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1);
      `,
    },
  ];
}
