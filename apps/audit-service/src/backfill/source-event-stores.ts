import { EventStore } from '@warden/event-store';
import { EventStoreLogger } from '@warden/event-store-postgres';
import { EventStoreConfig } from '@warden/platform';
import { openSourceEventStore } from '@warden/runtime';
import { Pool } from 'pg';

/** A service whose event store the audit service reads: its name in event subjects and its schema. */
export interface EventSource {
  service: string;
  schema: string;
}

const IN_POSTGRES: EventStoreConfig = { EVENT_STORE: 'postgres' };

/**
 * The other services' event stores, opened for reading (where EVENT_STORE says, as their
 * services opened them) only once their service has created them; the audit service never
 * creates or alters another service's tables.
 */
export class SourceEventStores {
  private readonly opened = new Map<string, EventStore>();

  constructor(
    private readonly pool: Pool,
    private readonly sources: EventSource[],
    private readonly logger: EventStoreLogger,
    private readonly config: EventStoreConfig = IN_POSTGRES,
  ) {}

  services(): string[] {
    return this.sources.map((source) => source.service);
  }

  /** The service's store, or undefined while that service has not created it yet. */
  async open(service: string): Promise<EventStore | undefined> {
    const existing = this.opened.get(service);
    if (existing) return existing;
    const source = this.sources.find((candidate) => candidate.service === service);
    if (!source) throw new RangeError(`no event source named ${service}`);
    const store = await openSourceEventStore({
      config: this.config,
      pool: this.pool,
      schema: source.schema,
      logger: this.logger,
    });
    if (store) this.opened.set(service, store);
    return store;
  }

  async close(): Promise<void> {
    const stores = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(stores.map((store) => store.close()));
  }
}
