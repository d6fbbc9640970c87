import { Migration } from '@warden/event-store-postgres';

export const AUDIT_MIGRATIONS_COMPONENT = 'audit-log';

export const auditMigrations: Migration[] = [
  {
    version: 1,
    name: 'audit records (the shape before the hash chain)',
    // IF NOT EXISTS: databases migrated by the earlier hand-written migration already have it.
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.audit_records (
        sequence bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        service text NOT NULL,
        stream_id text NOT NULL,
        stream_version bigint NOT NULL,
        position text NOT NULL,
        recorded_at timestamptz NOT NULL,
        actor_id text,
        actor_type text,
        organization_id text,
        correlation_id text,
        client_address text,
        user_agent text,
        data jsonb NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
  {
    version: 2,
    name: 'hash-chained audit records, chain heads, backfill checkpoints',
    // Records stored before the chain existed cannot be chained after the fact with any
    // proof; they are set aside, and the backfill records every event again, chained, from
    // the services' event stores (the source of truth).
    sql: (s) => `
      ALTER TABLE ${s}.audit_records RENAME TO audit_records_unchained;
      ALTER TABLE ${s}.audit_records_unchained RENAME CONSTRAINT audit_records_pkey TO audit_records_unchained_pkey;
      ALTER TABLE ${s}.audit_records_unchained RENAME CONSTRAINT audit_records_event_id_key TO audit_records_unchained_event_id_key;
      ALTER INDEX IF EXISTS ${s}.audit_records_organization RENAME TO audit_records_unchained_organization;
      ALTER INDEX IF EXISTS ${s}.audit_records_correlation RENAME TO audit_records_unchained_correlation;

      CREATE TABLE ${s}.audit_records (
        -- the order the audit service stored records in, across chains
        sequence bigserial PRIMARY KEY,
        chain text NOT NULL,
        chain_sequence bigint NOT NULL CHECK (chain_sequence >= 1),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        service text NOT NULL,
        stream_id text NOT NULL,
        stream_version bigint NOT NULL,
        position text NOT NULL,
        recorded_at timestamptz NOT NULL,
        actor_id text,
        actor_type text,
        organization_id text,
        correlation_id text,
        client_address text,
        user_agent text,
        data jsonb NOT NULL,
        previous_hash text NOT NULL,
        hash text NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_records_event_id_key UNIQUE (event_id),
        CONSTRAINT audit_records_chain_position UNIQUE (chain, chain_sequence)
      );
      CREATE INDEX audit_records_by_time ON ${s}.audit_records (organization_id, recorded_at, sequence);
      CREATE INDEX audit_records_by_actor ON ${s}.audit_records (actor_id, recorded_at, sequence);
      CREATE INDEX audit_records_by_stream ON ${s}.audit_records (stream_id, recorded_at, sequence);
      CREATE INDEX audit_records_by_user ON ${s}.audit_records ((data->>'userId'));
      CREATE INDEX audit_records_by_token ON ${s}.audit_records ((data->>'tokenId'));
      CREATE INDEX audit_records_by_correlation ON ${s}.audit_records (correlation_id);

      -- The audit log is appended to, never rewritten; the chain proves it to whoever
      -- gets past this (a superuser can).
      CREATE FUNCTION ${s}.refuse_audit_record_changes() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN
        RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
      END
      $body$;
      CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_records
        FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_audit_record_changes();

      -- One row per chain, locked FOR UPDATE by every append to that chain: appends to one
      -- organization queue, appends to different ones do not wait for each other.
      CREATE TABLE ${s}.audit_chain_heads (
        chain text PRIMARY KEY,
        last_sequence bigint NOT NULL,
        last_hash text NOT NULL
      );

      -- How far the backfill has read each service's event store.
      CREATE TABLE ${s}.audit_backfill_checkpoints (
        service text PRIMARY KEY,
        position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    name: 'schema version of each recorded event',
    // The record keeps the event's data as stored, so it keeps which version of its type's
    // shape that is. Every record before this is of an event stored before versions: 1.
    sql: (s) => `ALTER TABLE ${s}.audit_records ADD COLUMN schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1)`,
  },
  {
    version: 4,
    name: 'the credential each actor acted through',
    sql: (s) => `
      ALTER TABLE ${s}.audit_records ADD COLUMN actor_credential_kind text, ADD COLUMN actor_credential_id text;
      CREATE INDEX audit_records_by_credential ON ${s}.audit_records (actor_credential_id) WHERE actor_credential_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'indexes for every filter of the audit queries',
    // The log in event time across organizations (the platform admin's), by event type in
    // event time, and the session a record names: with the indexes before these, each filter
    // of GET /audit/events and of a subject's history is answered by an index scan.
    sql: (s) => `
      CREATE INDEX audit_records_in_time ON ${s}.audit_records (recorded_at, sequence);
      CREATE INDEX audit_records_by_type ON ${s}.audit_records (event_type, recorded_at, sequence);
      CREATE INDEX audit_records_by_session ON ${s}.audit_records ((data->>'sessionId'));
    `,
  },
];
