import { Migration, quoteIdentifier, runMigrations } from '@warden/event-store-postgres';
import type { Pool } from 'pg';

/** Which event stream holds the secret with a given SHA-256: what the store fallback looks up first. */
export interface CredentialStreams {
  streamOf(hash: string): Promise<string | null>;
}

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
