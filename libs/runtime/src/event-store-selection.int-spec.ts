import { KurrentDbEventStore } from '@warden/event-store-kurrentdb';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, appendSome, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { Pool } from 'pg';
import { openEventStore, openSourceEventStore } from './event-store-selection';

describe('the event store a service opens', () => {
  let schema: string;
  let pool: Pool;

  beforeEach(() => {
    schema = uniqueTestId('stores');
    pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
  });

  afterEach(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it("is PostgreSQL by default, in the service's schema; another service's store is there only once that service created it", async () => {
    const selection = {
      config: { EVENT_STORE: 'postgres' as const },
      pool,
      schema,
      logger: silentStoreLogger,
    };
    expect(await openSourceEventStore(selection)).toBeUndefined();
    const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    expect(rows).toEqual([]); // looking did not create it

    const own = await openEventStore(selection);
    expect(own).toBeInstanceOf(PostgresEventStore);
    const [event] = await appendSome(own, 'token-1', 'TokenIssued', 1);
    const source = await openSourceEventStore(selection);
    expect(await source!.readStream('token-1')).toEqual([event]);
    await Promise.all([own.close(), source!.close()]);
  });

  it("is KurrentDB with EVENT_STORE=kurrentdb, the service's streams under its schema's name", async () => {
    const config = {
      EVENT_STORE: 'kurrentdb' as const,
      KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false',
    };
    // The client connects at its first request: none is made here, as no KurrentDB runs on our machines.
    for (const open of [openEventStore, openSourceEventStore]) {
      const store = await open({ config, pool, schema: 'tokens', logger: silentStoreLogger });
      expect(store).toBeInstanceOf(KurrentDbEventStore);
      expect((store as KurrentDbEventStore).streamPrefix).toBe('tokens:');
      await store!.close();
    }
    await expect(
      openEventStore({ config: { EVENT_STORE: 'kurrentdb' }, pool, schema, logger: silentStoreLogger }),
    ).rejects.toThrow('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
  });
});
