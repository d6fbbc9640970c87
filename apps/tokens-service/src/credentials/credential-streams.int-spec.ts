// The secret-to-stream lookup for an event store without an `events` table (KurrentDB),
// filled from the global log into the service's PostgreSQL schema. The log here is the
// in-memory store, which like KurrentDB orders events when they commit.
import { randomUUID } from 'node:crypto';
import { EventStore, InMemoryEventStore, ReadAllOptions, RecordedEvent } from '@warden/event-store';
import { appendSome } from '@warden/testing';
import type { Pool } from 'pg';
import { ScratchSchema, scratchSchema } from '../test/tokens-harness';
import { LogCredentialStreams } from './credential-streams';

/** The store, counting the events its log reads hand out, and running `afterPage` once each page is read. */
function observed(
  store: EventStore,
  afterPage: () => Promise<void> = async () => undefined,
): EventStore & { eventsRead: number } {
  const log = Object.create(store) as EventStore & { eventsRead: number };
  log.eventsRead = 0;
  log.readAll = async (options: ReadAllOptions): Promise<RecordedEvent[]> => {
    const page = await store.readAll(options);
    log.eventsRead += page.length;
    await afterPage();
    return page;
  };
  return log;
}

describe('LogCredentialStreams', () => {
  let scratch: ScratchSchema;
  let schema: string;
  let pool: Pool;
  let store: InMemoryEventStore;

  beforeEach(() => {
    scratch = scratchSchema('credlog');
    ({ schema, pool } = scratch);
    store = new InMemoryEventStore();
  });

  afterEach(() => scratch.close());

  const hash = () => randomUUID().replace(/-/g, '').repeat(2);

  it("finds the stream of an issued or rotated token secret and of a session key, and nothing else's", async () => {
    const [issued, rotated, key, stray] = [hash(), hash(), hash(), hash()];
    await appendSome(store, 'token-1', 'TokenIssued', 1, () => ({ secretHash: issued }));
    await appendSome(store, 'token-1', 'TokenRotated', 1, () => ({ secretHash: rotated }));
    await appendSome(store, 'session-1', 'SessionStarted', 1, () => ({ keyHash: key }));
    // A hash in an event that brings no secret is no secret of that stream.
    await appendSome(store, 'token-2', 'TokenRevoked', 1, () => ({ secretHash: stray }));

    const streams = new LogCredentialStreams(pool, schema, store);
    await streams.migrate();
    expect(await streams.streamOf(issued)).toBe('token-1');
    expect(await streams.streamOf(rotated)).toBe('token-1');
    expect(await streams.streamOf(key)).toBe('session-1');
    expect(await streams.streamOf(stray)).toBeNull();
    expect(await streams.streamOf(hash())).toBeNull();
  });

  it('is never behind an event committed before the lookup, for lookups made at once too', async () => {
    const streams = new LogCredentialStreams(pool, schema, store);
    await streams.migrate();
    const secrets = Array.from({ length: 30 }, hash);
    const early: Promise<string | null>[] = [];
    for (const [index, secret] of secrets.entries()) {
      await appendSome(store, `token-${index}`, 'TokenIssued', 1, () => ({ secretHash: secret }));
      // Each lookup right after its append, while earlier lookups may still be reading the log.
      if (index % 3 === 0) early.push(streams.streamOf(secret));
    }
    const found = await Promise.all(secrets.map((secret) => streams.streamOf(secret)));
    expect(found).toEqual(secrets.map((_, index) => `token-${index}`));
    // Awaited too, so none is still querying when the test's schema is dropped.
    expect(await Promise.all(early)).toEqual(secrets.flatMap((_, index) => (index % 3 === 0 ? [`token-${index}`] : [])));
  });

  it('answers a lookup made while a read of the log runs, for an event that read has passed, from a read that starts after it', async () => {
    const [first, late] = [hash(), hash()];
    let armed = false;
    let lookupDuringRead: Promise<string | null> | undefined;
    const streams: LogCredentialStreams = new LogCredentialStreams(
      pool,
      schema,
      observed(store, async () => {
        if (!armed || lookupDuringRead) return;
        // Committed after the running read took its page, and looked up before that read ends.
        await appendSome(store, 'token-late', 'TokenIssued', 1, () => ({ secretHash: late }));
        lookupDuringRead = streams.streamOf(late);
      }),
    );
    await streams.migrate();
    await appendSome(store, 'token-1', 'TokenIssued', 1, () => ({ secretHash: first }));
    armed = true;
    expect(await streams.streamOf(first)).toBe('token-1');
    expect(lookupDuringRead).toBeDefined();
    expect(await lookupDuringRead).toBe('token-late');
  });

  it('reads the log on from where the shared table stopped, in another instance too', async () => {
    const first = hash();
    await appendSome(store, 'token-1', 'TokenIssued', 1, () => ({ secretHash: first }));
    await appendSome(store, 'token-1', 'TokenUsed', 600);
    const one = new LogCredentialStreams(pool, schema, store);
    expect(await one.streamOf(first)).toBe('token-1');

    const second = hash();
    await appendSome(store, 'token-2', 'TokenIssued', 1, () => ({ secretHash: second }));
    const log = observed(store);
    const other = new LogCredentialStreams(pool, schema, log);
    expect(await other.streamOf(second)).toBe('token-2');
    expect(await other.streamOf(first)).toBe('token-1');
    expect(log.eventsRead).toBe(1); // only the event after the saved position, not the 602 before
  });
});
