import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { AppendResult, NewEvent, WrongExpectedVersionError } from '@warden/event-store';
import { TEST_DATABASE_URL, describeEventStoreContract, pollUntil, uniqueTestId } from '@warden/testing';
import { PostgresEventStore } from './postgres-event-store';
import { appendChannel, quoteIdentifier } from './postgres-identifiers';
import { parseLogPosition } from './postgres-log-position';
import { eventStoreMigrations, runMigrations } from './postgres-migrations';
import { EventStoreLogger } from './postgres-append-listener';

const quiet: EventStoreLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

let admin: Pool;
beforeAll(() => {
  admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
});
afterAll(() => admin.end());

const dropSchema = (schema: string) =>
  admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);

describeEventStoreContract(
  'PostgreSQL',
  async () => {
    const schema = uniqueTestId('es');
    const store = await PostgresEventStore.connect({
      connectionString: TEST_DATABASE_URL,
      schema,
      logger: quiet,
    });
    return {
      store,
      beginPendingAppend: (requests) => store.beginPendingAppend(requests),
      dispose: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  },
  { visibilityTimeoutMs: 15_000 },
);

const event = (type = 'ThingHappened'): NewEvent => ({
  id: randomUUID(),
  type,
  data: { type },
  metadata: { correlationId: 'c-1' },
});

describe('PostgresEventStore', () => {
  let schema: string;
  const stores: PostgresEventStore[] = [];
  const connect = async (options: { pool?: Pool; groupsInFlight?: number } = {}) => {
    const store = await PostgresEventStore.connect({
      schema,
      logger: quiet,
      groupsInFlight: options.groupsInFlight,
      ...(options.pool ? { pool: options.pool } : { connectionString: TEST_DATABASE_URL }),
    });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    schema = uniqueTestId('espg');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await dropSchema(schema);
  });

  it('migrates once when several instances start together, and again as a no-op', async () => {
    const started = await Promise.all(Array.from({ length: 4 }, () => connect()));
    await connect();

    const { rows } = await admin.query(
      `SELECT component, version FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`,
    );
    expect(rows).toEqual([
      { component: 'event-store', version: 1 },
      { component: 'event-store', version: 2 },
      { component: 'event-store', version: 3 },
    ]);
    await started[0]!.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    expect(await started[3]!.readStream('s-1')).toHaveLength(1);
  });

  it('keeps its tables in the schema it was given, however the name is spelled', async () => {
    schema = `${uniqueTestId('Odd')} "Name"`;
    const store = await connect();
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${quoteIdentifier(schema)}.events`);
    expect(rows[0].n).toBe(1);
  });

  it('wakes a sleeper on NOTIFY from another instance', async () => {
    const reader = await connect();
    const writer = await connect();
    // no readAll on the reader, so only a NOTIFY can wake it early

    const started = Date.now();
    const woken = reader.waitForAppend(20_000);
    await writer.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    await woken;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('notifies listeners of rows other writers insert, and leaves the appends of the store to notify after their commit', async () => {
    const store = await connect();
    const listener = new Client({ connectionString: TEST_DATABASE_URL });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => heard.push(message.channel));
      await listener.query(`LISTEN ${quoteIdentifier(appendChannel(schema))}`);
      const insert = (id: string) =>
        `INSERT INTO ${quoteIdentifier(schema)}.events (event_id, stream_id, version, type, data, metadata)
         VALUES ('${randomUUID()}', '${id}', 1, 'ThingHappened', '{}', '{}')`;

      // What the store's append transaction sets: the trigger stays silent.
      await admin.query(`BEGIN; SET LOCAL warden.append_notify = 'after-commit'; ${insert('s-quiet')}; COMMIT`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard).toEqual([]);

      await admin.query(insert('s-other-writer'));
      await pollUntil(() => heard.length === 1, 'the notification of the other writer', 5_000);

      await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
      await pollUntil(() => heard.length === 2, 'the notification after the append', 5_000);
      // One from the store after its commit, none from the trigger inside it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard).toEqual([appendChannel(schema), appendChannel(schema)]);
    } finally {
      await listener.end();
    }
  });

  it('listens again and keeps serving after its connections are killed, as after a server restart', async () => {
    const reader = await connect();
    const writer = await connect();
    expect(reader.listening).toBe(true);
    const applicationName = `warden-event-store:${schema}`.slice(0, 63);
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [applicationName],
    );
    // the reader's listener and the writer's
    expect(killed.rowCount).toBe(2);
    // and the idle connections of both pools
    await reader.readStream('s-0');
    await writer.readStream('s-0');
    const pooled = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [`warden-event-store-pool:${schema}`.slice(0, 63)],
    );
    expect(pooled.rowCount).toBeGreaterThanOrEqual(2);

    // it wakes sleepers when it is back, as appends may have been missed meanwhile
    await reader.waitForAppend(10_000);
    expect(reader.listening).toBe(true);

    const started = Date.now();
    const woken = reader.waitForAppend(20_000);
    await writer.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    await woken;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('survives a connection terminated while a client is checked out between queries, and serves again', async () => {
    const warnings: string[] = [];
    const store = await PostgresEventStore.connect({
      schema,
      connectionString: TEST_DATABASE_URL,
      logger: { ...quiet, warn: (message) => warnings.push(message) },
    });
    stores.push(store);
    // a transaction holding its client, idle between two queries, as a handler awaiting something else
    const pending = await store.beginPendingAppend([{ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] }]);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      `warden-event-store-pool:${schema}`.slice(0, 63),
    ]);
    // unheard, the checked-out client's 'error' would have ended the process here
    await pollUntil(() => warnings.some((warning) => warning.startsWith('event store connection lost')), 'the lost connection to be reported');
    await expect(pending.commit()).rejects.toThrow();
    expect(await store.readStream('s-1')).toEqual([]);
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    expect(await store.readStream('s-1')).toHaveLength(1);
  });

  it('wakes sleepers soon when committed events are held back by an open transaction elsewhere', async () => {
    const store = await connect();
    const other = await admin.connect();
    try {
      // a transaction in another schema: it sends this store no notification
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
      expect(await store.readAll({ limit: 10 })).toEqual([]);
      await other.query('COMMIT');

      const started = Date.now();
      await store.waitForAppend(20_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      const deadline = Date.now() + 15_000;
      let events = await store.readAll({ limit: 10 });
      while (events.length === 0 && Date.now() < deadline) events = await store.readAll({ limit: 10 });
      expect(events.map((e) => e.streamId)).toEqual(['s-1']);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
  });

  it('counts committed events held back by an open transaction elsewhere, which readAll does not return yet', async () => {
    const store = await connect();
    await store.append({ streamId: 's-0', expectedVersion: 'no_stream', events: [event()] });
    const deadline = Date.now() + 15_000;
    let seen = await store.readAll({ limit: 10 });
    while (seen.length === 0 && Date.now() < deadline) seen = await store.readAll({ limit: 10 });
    expect(seen).toHaveLength(1);
    const read = seen[0]!.position;
    expect(await store.countAfter(read, 10)).toBe(0);

    const other = await admin.connect();
    try {
      // an older transaction, in no schema of ours, still open: it holds back what commits after it
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event(), event()] });
      expect(await store.readAll({ after: read, limit: 10 })).toEqual([]);
      expect(await store.countAfter(read, 10)).toBe(2);
      expect(await store.countAfter(undefined, 10)).toBe(3);
      expect(await store.countAfter(read, 1)).toBe(1);
      await other.query('COMMIT');

      let resumed = await store.readAll({ after: read, limit: 10 });
      while (resumed.length < 2 && Date.now() < deadline) resumed = await store.readAll({ after: read, limit: 10 });
      expect(resumed.map((e) => e.streamId)).toEqual(['s-1', 's-1']);
      expect(await store.countAfter(resumed[1]!.position, 10)).toBe(0);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
  });

  it('shares a pool it was given and leaves it open on close', async () => {
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
    try {
      const store = await connect({ pool });
      await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
      expect(store.pool).toBe(pool);
      await store.close();
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${quoteIdentifier(schema)}.events`);
      expect(rows[0].n).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('reads the events stored before events had schema versions as version 1', async () => {
    // The schema as it was: every migration before the schema version column.
    await runMigrations(admin, schema, 'event-store', eventStoreMigrations(schema).filter((migration) => migration.version < 3));
    await admin.query(
      `INSERT INTO ${quoteIdentifier(schema)}.events (event_id, stream_id, version, type, data, metadata)
       VALUES ($1, 's-1', 1, 'ThingHappened', '{"n": 1}', '{"correlationId": "c-0"}')`,
      [randomUUID()],
    );

    const store = await connect();
    await store.append({ streamId: 's-1', expectedVersion: 1, events: [{ ...event(), schemaVersion: 2 }] });

    expect((await store.readStream('s-1')).map((e) => [e.version, e.schemaVersion])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('refuses to rewrite history', async () => {
    const store = await connect();
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    await expect(admin.query(`UPDATE ${quoteIdentifier(schema)}.events SET type = 'Forged'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(admin.query(`DELETE FROM ${quoteIdentifier(schema)}.events`)).rejects.toThrow(/append-only/);
    expect((await store.readStream('s-1'))[0]!.type).toBe('ThingHappened');
  });

  it('refuses an event id it already holds, in any stream, and writes nothing', async () => {
    const store = await connect();
    const first = event();
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [first] });
    await expect(
      store.append({ streamId: 's-2', expectedVersion: 'no_stream', events: [event(), first] }),
    ).rejects.toMatchObject({
      name: 'DuplicateEventIdError',
      eventId: first.id,
    });
    expect(await store.readStream('s-2')).toEqual([]);
  });

  describe('group commit', () => {
    const transactionOf = (result: AppendResult) => parseLogPosition(result.position).transactionId;
    const countByTransaction = (results: AppendResult[]) => {
      const counts = new Map<string, number>();
      for (const result of results) counts.set(transactionOf(result), (counts.get(transactionOf(result)) ?? 0) + 1);
      return [...counts.values()].sort((a, b) => a - b);
    };
    // Every event of the schema in log order, once the xmin-safe reading returns `count`.
    const readLog = async (store: PostgresEventStore, count: number) => {
      let events = await store.readAll({ limit: 1000 });
      await pollUntil(async () => (events = await store.readAll({ limit: 1000 })).length >= count, `${count} events in the log`, 15_000);
      return events;
    };

    it('commits the appends that arrive while a commit is in flight together, in one transaction, in arrival order', async () => {
      const store = await connect({ groupsInFlight: 1 });
      const appended = Array.from({ length: 10 }, (_, i) => ({ streamId: `s-${i}`, expectedVersion: 'no_stream' as const, events: [event(), event()] }));
      // The first finds no commit in flight and goes alone; the other nine wait for it and go together.
      const results = (await Promise.all(appended.map((request) => store.appendMany([request])))).flat();

      expect(countByTransaction(results)).toEqual([1, 9]);
      expect(results.map((r) => [r.streamId, r.version])).toEqual(appended.map((r) => [r.streamId, 2]));
      const log = await readLog(store, 20);
      expect(log.map((e) => e.id)).toEqual(appended.flatMap((r) => r.events.map((e) => e.id)));
      expect(log.every((e, i) => i === 0 || log[i - 1]!.position < e.position)).toBe(true);
      expect(results.map((r) => r.position)).toEqual(log.filter((e) => e.version === 2).map((e) => e.position));
    });

    it('fails a conflicting caller alone while the rest of its group commits; a multi-stream append stays whole', async () => {
      const store = await connect({ groupsInFlight: 1 });
      await store.append({ streamId: 's-taken', expectedVersion: 'no_stream', events: [event()] });
      const outcomes = await Promise.allSettled([
        store.append({ streamId: 's-first', expectedVersion: 'no_stream', events: [event()] }),
        store.append({ streamId: 's-a', expectedVersion: 'no_stream', events: [event()] }),
        store.append({ streamId: 's-taken', expectedVersion: 'no_stream', events: [event()] }),
        store.appendMany([
          { streamId: 's-c', expectedVersion: 'no_stream', events: [event()] },
          { streamId: 's-d', expectedVersion: 5, events: [event()] },
        ]),
        store.appendMany([
          { streamId: 's-e', expectedVersion: 'no_stream', events: [event()] },
          { streamId: 's-f', expectedVersion: 'any', events: [event(), event()] },
        ]),
        store.append({ streamId: 's-b', expectedVersion: 'any', events: [event()] }),
      ]);

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
      const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as WrongExpectedVersionError] : []));
      expect(reasons.map((r) => [r.constructor, r.streamId, r.actual])).toEqual([
        [WrongExpectedVersionError, 's-taken', 1],
        [WrongExpectedVersionError, 's-d', 0],
      ]);
      // the four that committed after the first went in one transaction
      const grouped = outcomes.slice(1).flatMap((o) => (o.status === 'fulfilled' ? [o.value].flat() : []));
      expect(new Set(grouped.map(transactionOf)).size).toBe(1);
      expect(grouped.map((r) => [r.streamId, r.version])).toEqual([['s-a', 1], ['s-e', 1], ['s-f', 2], ['s-b', 1]]);
      expect(await store.readStream('s-taken')).toHaveLength(1);
      expect(await store.readStream('s-c')).toEqual([]);
      expect(await store.readStream('s-d')).toEqual([]);
      expect(await readLog(store, 7)).toHaveLength(7);
    });

    it('keeps appends to one stream out of each other\'s group: each round one writer with the same expectation wins', async () => {
      const store = await connect({ groupsInFlight: 1 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.actual)).toEqual([1, 1, 1, 1, 1]);
      const anyResults = await Promise.all(
        Array.from({ length: 6 }, () => store.append({ streamId: 's-2', expectedVersion: 'any', events: [event()] })),
      );
      expect(anyResults.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await store.readStream('s-2')).map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('when a group loses to a writer outside it or carries a stored event id, writes nothing of it and answers each caller alone: nothing lost, nothing twice', async () => {
      const store = await connect({ groupsInFlight: 1 });
      const stored = event();
      await store.append({ streamId: 's-stored', expectedVersion: 'no_stream', events: [stored] });
      // Another writer holds version 1 of s-outside, uncommitted: the group's insert waits on it, then collides.
      const outside = await store.beginPendingAppend([{ streamId: 's-outside', expectedVersion: 'no_stream', events: [event()] }]);
      const calls = [
        store.append({ streamId: 's-a', expectedVersion: 'no_stream', events: [event()] }),
        store.append({ streamId: 's-outside', expectedVersion: 'no_stream', events: [event()] }),
        store.append({ streamId: 's-b', expectedVersion: 'no_stream', events: [event(), event()] }),
        store.append({ streamId: 's-dup', expectedVersion: 'no_stream', events: [event(), stored] }),
        store.append({ streamId: 's-any', expectedVersion: 'any', events: [event()] }),
      ];
      await pollUntil(
        async () =>
          (
            await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
              `warden-event-store-pool:${schema}`.slice(0, 63),
            ])
          ).rowCount === 1,
        'the group to wait on the outside writer',
        10_000,
      );
      await outside.commit();
      const outcomes = await Promise.allSettled(calls);

      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'WrongExpectedVersionError', streamId: 's-outside', actual: 1 });
      expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ name: 'DuplicateEventIdError', eventId: stored.id });
      const log = await readLog(store, 6);
      expect(log.map((e) => `${e.streamId}@${e.version}`).sort()).toEqual(
        ['s-a@1', 's-any@1', 's-b@1', 's-b@2', 's-outside@1', 's-stored@1'].sort(),
      );
      expect(new Set(log.map((e) => e.id)).size).toBe(6);
    });

    it('groups the appends of two stores sharing one pool, each into its own schema, however long and alike their names', async () => {
      const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
      // 60 characters each, the first 58 the same
      const common = schema.padEnd(58, 'x');
      schema = `${common}_a`;
      const otherSchema = `${common}_b`;
      try {
        const first = await connect({ pool });
        const second = await PostgresEventStore.connect({ schema: otherSchema, pool, logger: quiet });
        stores.push(second);
        const calls = Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? first : second).append({ streamId: `s-${i}`, expectedVersion: 'no_stream', events: [event()] }),
        );
        expect((await Promise.all(calls)).map((r) => r.version)).toEqual(Array(12).fill(1));
        for (const name of [schema, otherSchema]) {
          const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${quoteIdentifier(name)}.events`);
          expect(rows[0].n).toBe(6);
        }
        await Promise.all(stores.splice(0).map((store) => store.close()));
      } finally {
        await pool.end();
        await dropSchema(otherSchema);
      }
    });

    it('commits every accepted append before it closes', async () => {
      const store = await connect({ groupsInFlight: 1 });
      const calls = Array.from({ length: 8 }, (_, i) => store.append({ streamId: `s-${i}`, expectedVersion: 'no_stream', events: [event()] }));
      await store.close();
      expect((await Promise.all(calls)).map((r) => r.version)).toEqual(Array(8).fill(1));
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${quoteIdentifier(schema)}.events`);
      expect(rows[0].n).toBe(8);
    });
  });
});
