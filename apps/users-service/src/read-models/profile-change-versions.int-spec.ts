// A profile change recorded before UserProfileChanged's version 2 (the changed fields beside
// the event's own, not in `changes`) is read through its upcaster: a user stream recorded
// that way on real PostgreSQL folds, projects into the users listing and replays to what the
// same changes recorded by today's code give.
import { randomUUID } from 'node:crypto';
import { NewEvent } from '@warden/event-store';
import { PostgresEventStore, quoteIdentifier } from '@warden/event-store-postgres';
import { CommandHandler, loadState } from '@warden/kernel';
import { TEST_DATABASE_URL, pollUntil, silentStoreLogger, uniqueTestId } from '@warden/testing';
import { userDecider, userStreamId } from '@warden/users-domain';
import { v7 as uuidv7 } from 'uuid';
import { ListingReplay } from './listing-replay';
import { ListingProjection } from './listing.projection';

let schema: string;
let store: PostgresEventStore;
let live: ListingProjection;
const ORG = randomUUID();
const CREATED_AT = '2025-03-01T10:00:00.000Z';
const CHANGED_AT = '2025-03-02T10:00:00.000Z';
const context = { metadata: { correlationId: 'profile-versions', actorType: 'user', organizationId: ORG }, newEventId: uuidv7 };

beforeEach(async () => {
  schema = uniqueTestId('profileversions');
  store = await PostgresEventStore.connect({ connectionString: TEST_DATABASE_URL, schema, logger: silentStoreLogger, poolSize: 4 });
  live = new ListingProjection(store.pool, schema);
  await live.migrate();
});

afterEach(async () => {
  await store.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await store.close();
});

const stored = (type: string, data: NewEvent['data']): NewEvent => ({ id: uuidv7(), type, data, metadata: context.metadata });

/** A user created with a first name and an email, then given a last and a friendly name, the email cleared: as the code before version 2 stored it. */
async function recordedBeforeVersion2(userId: string): Promise<void> {
  await store.append({
    streamId: userStreamId(userId),
    expectedVersion: 'no_stream',
    events: [
      stored('UserCreated', {
        userId, organizationId: ORG, accountType: 'user', username: 'then@acme', firstName: 'Grace', email: 'grace@example.com',
        roles: [], teams: [], passwordHash: null, createdAt: CREATED_AT,
      }),
      stored('UserProfileChanged', { userId, lastName: 'Hopper', email: null, friendlyName: 'Amazing Grace', changedAt: CHANGED_AT }),
    ],
  });
}

/** The same user and changes, decided and written by today's code. */
async function recordedToday(userId: string): Promise<void> {
  const users = new CommandHandler(store, userDecider);
  const streamId = userStreamId(userId);
  const create = {
    type: 'CreateUser', userId, organizationId: ORG, accountType: 'user', username: 'now@acme', firstName: 'Grace', email: 'grace@example.com',
    passwordHash: null, at: CREATED_AT,
  } as const;
  await users.handle(streamId, create, context);
  await users.handle(streamId, { type: 'ChangeProfile', lastName: 'Hopper', email: null, friendlyName: 'Amazing Grace', at: CHANGED_AT }, context);
}

const PROFILE = { firstName: 'Grace', lastName: 'Hopper', email: null, friendlyName: 'Amazing Grace', description: null };

describe('a profile change recorded before its event had version 2', () => {
  it('is stored as it was written, and folds to the state the same change recorded today folds to', async () => {
    const [then, now] = [randomUUID(), randomUUID()];
    await recordedBeforeVersion2(then);
    await recordedToday(now);

    expect((await store.readStream(userStreamId(then))).map((event) => event.schemaVersion)).toEqual([1, 1]);
    expect((await store.readStream(userStreamId(now)))[1]).toMatchObject({
      schemaVersion: 2,
      data: { userId: now, changes: { lastName: 'Hopper', email: null, friendlyName: 'Amazing Grace' }, changedAt: CHANGED_AT },
    });
    const [old, current] = await Promise.all([loadState(store, userDecider, userStreamId(then)), loadState(store, userDecider, userStreamId(now))]);
    expect(old.state).toMatchObject(PROFILE);
    expect(old.state).toEqual({ ...current.state, id: then, username: 'then@acme' });

    // Decided on as today's: asking for what it already holds changes nothing.
    const again = await new CommandHandler(store, userDecider).handle(userStreamId(then), { type: 'ChangeProfile', ...PROFILE, at: CHANGED_AT }, context);
    expect(again.events).toEqual([]);
  });

  it("projects into the users listing, and replays, to the rows the same change recorded today gives", async () => {
    const [then, now] = [randomUUID(), randomUUID()];
    await recordedBeforeVersion2(then);
    await recordedToday(now);
    const profileRow = async (userId: string) =>
      (
        await store.pool.query(
          `SELECT first_name, last_name, email, friendly_name, description, created_at FROM ${live.tables.users} WHERE id = $1`,
          [userId],
        )
      ).rows[0];
    // The live listing, as its tailer applies the log (an append may be held back a moment).
    await pollUntil(async () => {
      await live.replay(store);
      return (await profileRow(then)) !== undefined && (await profileRow(now)) !== undefined;
    }, 'both users in the listing');

    const expected = { first_name: 'Grace', last_name: 'Hopper', email: null, friendly_name: 'Amazing Grace', description: null, created_at: new Date(CREATED_AT) };
    expect(await profileRow(then)).toEqual(expected);
    expect(await profileRow(now)).toEqual(expected);

    const replay = new ListingReplay({ pool: store.pool, store, live });
    expect(await replay.run('compare')).toMatchObject({ state: 'succeeded', report: { compared: 2, differences: [] } });
    expect(await replay.run('swap')).toMatchObject({ state: 'succeeded' });
    expect(await profileRow(then)).toEqual(expected);
  });
});
