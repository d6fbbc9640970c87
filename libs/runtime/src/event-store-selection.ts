// The one place a service opens an event store, its own or (the audit service) another's,
// from EVENT_STORE: PostgreSQL, the `events` table of the service's schema (the default, and
// what every test runs on), or KurrentDB (experimental: no server runs on our machines), the
// streams under the schema's name as a prefix, so services sharing one database each read
// only their own events. PostgreSQL is needed either way: the relay's lock and checkpoint
// and the services' own tables live there.
import { EventStore } from '@warden/event-store';
import { KurrentDbEventStore } from '@warden/event-store-kurrentdb';
import { EventStoreLogger, PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { EventStoreConfig } from '@warden/platform';
import { Pool } from 'pg';

export interface EventStoreSelection {
  config: EventStoreConfig;
  pool: Pool;
  /** The service's schema: its PostgreSQL tables, and the prefix of its KurrentDB streams. */
  schema: string;
  logger: EventStoreLogger;
}

/** The service's own store, created (PostgreSQL: migrated) if it is not there yet. */
export async function openEventStore(selection: EventStoreSelection): Promise<EventStore> {
  const { config, pool, schema, logger } = selection;
  if (config.EVENT_STORE === 'kurrentdb')
    return KurrentDbEventStore.connect(kurrentDbConnectionString(config), {
      streamPrefix: kurrentDbStreamPrefix(schema),
    });
  return PostgresEventStore.connect({ pool, schema, logger });
}

/**
 * Another service's store, to read: undefined while that service has not created it. On
 * PostgreSQL `connect` runs the store's migrations, which on a schema its service already
 * migrated find every version applied and change nothing, so the reader never creates or
 * alters another service's tables. A KurrentDB scope holds nothing until its service writes.
 */
export async function openSourceEventStore(selection: EventStoreSelection): Promise<EventStore | undefined> {
  if (selection.config.EVENT_STORE === 'postgres') {
    const { rows } = await selection.pool.query<{ exists: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists`,
      [`${quoteIdentifier(selection.schema)}.events`],
    );
    if (!rows[0]!.exists) return undefined;
  }
  return openEventStore(selection);
}

/** `tokens:` for the schema `tokens`. */
export function kurrentDbStreamPrefix(schema: string): string {
  return `${schema}:`;
}

function kurrentDbConnectionString(config: EventStoreConfig): string {
  // The config schema requires it with EVENT_STORE=kurrentdb; this says so to a caller that skipped it.
  if (!config.KURRENTDB_CONNECTION_STRING)
    throw new Error('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
  return config.KURRENTDB_CONNECTION_STRING;
}
