import { EventStoreLogger, PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { Pool } from 'pg';

/** A service whose event store the audit service reads: its name in event subjects and its schema. */
export interface EventSource {
  service: string;
  schema: string;
}

/**
 * The other services' event stores, opened for reading only when their service has created
 * them. `PostgresEventStore.connect` runs the event-store migrations; on a schema whose
 * service already migrated it they find every version applied and change nothing (the
 * only statements left are `CREATE ... IF NOT EXISTS` no-ops), so the audit service never
 * creates or alters another service's tables.
 */
export class SourceEventStores {
  private readonly opened = new Map<string, PostgresEventStore>();

  constructor(
    private readonly pool: Pool,
    private readonly sources: EventSource[],
    private readonly logger: EventStoreLogger,
  ) {}

  services(): string[] {
    return this.sources.map((source) => source.service);
  }

  /** The service's store, or undefined while that service has not created it yet. */
  async open(service: string): Promise<PostgresEventStore | undefined> {
    const existing = this.opened.get(service);
    if (existing) return existing;
    const source = this.sources.find((candidate) => candidate.service === service);
    if (!source) throw new RangeError(`no event source named ${service}`);
    const { rows } = await this.pool.query<{ exists: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists`,
      [`${quoteIdentifier(source.schema)}.events`],
    );
    if (!rows[0]!.exists) return undefined;
    const store = await PostgresEventStore.connect({ pool: this.pool, schema: source.schema, logger: this.logger });
    this.opened.set(service, store);
    return store;
  }

  async close(): Promise<void> {
    const stores = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(stores.map((store) => store.close()));
  }
}
