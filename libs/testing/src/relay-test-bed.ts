import { PostgresEventStore } from '@warden/event-store-postgres';
import { Pool } from 'pg';
import { silentStoreLogger } from './append-some';
import { TEST_DATABASE_URL, uniqueTestId } from './servers';

/**
 * What a relay or consumer test works on, its own: an event store in a schema of its own (`id`),
 * the pool under it, and the names of a JetStream stream and subject prefix nobody else uses.
 */
export interface RelayTestBed {
  id: string;
  pool: Pool;
  store: PostgresEventStore;
  stream: string;
  subjectPrefix: string;
  /** Runs `cleanups` newest first (each failure ignored), then closes the store and drops its schema. */
  close(cleanups: (() => Promise<unknown>)[]): Promise<void>;
}

export async function openRelayTestBed(label: string): Promise<RelayTestBed> {
  const id = uniqueTestId(label);
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 6 });
  const store = await PostgresEventStore.connect({ pool, schema: id, logger: silentStoreLogger });
  return {
    id,
    pool,
    store,
    stream: `S_${id}`,
    subjectPrefix: `${id}.events`,
    close: async (cleanups) => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      await store.close();
      await pool.query(`DROP SCHEMA "${id}" CASCADE`);
      await pool.end();
    },
  };
}
