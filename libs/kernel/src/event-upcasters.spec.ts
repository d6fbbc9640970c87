import { InMemoryEventStore, JsonObject, RecordedEvent } from '@warden/event-store';
import { CommandHandler } from './command-handler';
import { Decider } from './decider';
import { EventUpcasters, UnknownEventVersionError, combineUpcasters, currentVersion, upcast, upcastRecorded } from './event-upcasters';
import { loadState } from './load-state';

// An account whose opening event changed shape twice: the owner was a bare name (version 1),
// then an object (version 2), which later also told a person from a machine (version 3).
type Event =
  | { type: 'AccountOpened'; data: { accountId: string; owner: { name: string; kind: 'person' | 'machine' } } }
  | { type: 'AccountClosed'; data: { accountId: string } };
type State = { status: 'absent' } | { status: 'open' | 'closed'; owner: { name: string; kind: string } };
type Command = { type: 'Close' };

const upcasters: EventUpcasters<Event> = {
  AccountOpened: [
    ({ owner, ...rest }) => ({ ...rest, owner: { name: owner as string } }),
    ({ owner, ...rest }) => ({ ...rest, owner: { ...(owner as JsonObject), kind: 'person' } }),
  ],
  AccountClosed: [],
};

const accounts: Decider<Command, Event, State> = {
  initialState: () => ({ status: 'absent' }),
  upcasters,
  decide: (_command, state) => (state.status === 'open' ? [{ type: 'AccountClosed', data: { accountId: 'a-1' } }] : []),
  evolve: (state, event) => {
    if (event.type === 'AccountOpened') return { status: 'open', owner: event.data.owner };
    return state.status === 'absent' ? state : { ...state, status: 'closed' };
  },
};

const stored = (schemaVersion: number, data: JsonObject) => ({ type: 'AccountOpened', schemaVersion, data });
const today = { accountId: 'a-1', owner: { name: 'Ada', kind: 'person' } };

let ids = 0;
const newEventId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

describe('upcasters', () => {
  it("bring a stored event of any known version to today's shape, one version at a time", () => {
    expect(upcast(upcasters, stored(1, { accountId: 'a-1', owner: 'Ada' }))).toEqual({ type: 'AccountOpened', data: today });
    expect(upcast(upcasters, stored(2, { accountId: 'a-1', owner: { name: 'Ada' } }))).toEqual({ type: 'AccountOpened', data: today });
    const current = stored(3, { accountId: 'a-1', owner: { name: 'Babbage', kind: 'machine' } });
    expect(upcast(upcasters, current).data).toBe(current.data);
    expect(currentVersion(upcasters, 'AccountOpened')).toBe(3);
    expect(currentVersion(upcasters, 'AccountClosed')).toBe(1);
  });

  it('refuse a version newer than this code knows, or below 1, and a type it does not know', () => {
    for (const schemaVersion of [4, 0, 1.5]) {
      expect(() => upcast(upcasters, stored(schemaVersion, today))).toThrow(UnknownEventVersionError);
    }
    expect(() => upcast(upcasters, stored(4, today))).toThrow('stored AccountOpened is version 4 of its shape; this code knows versions 1 to 3');
    expect(() => upcast(upcasters, { type: 'AccountMerged', schemaVersion: 1, data: {} })).toThrow(/not one this code knows/);
    // Names every object has are not event types.
    expect(() => upcast(upcasters, { type: 'constructor', schemaVersion: 1, data: {} })).toThrow(UnknownEventVersionError);
    expect(() => currentVersion(upcasters, 'toString')).toThrow(UnknownEventVersionError);
  });

  it('give a recorded event its data and version of today, and leave one of today as it is', () => {
    const recorded: RecordedEvent = {
      id: newEventId(),
      ...stored(1, { accountId: 'a-1', owner: 'Ada' }),
      metadata: { correlationId: 'c-1' },
      streamId: 'account-a-1',
      version: 1,
      position: '1',
      recordedAt: '2025-01-01T00:00:00.000Z',
    };
    expect(upcastRecorded(upcasters, recorded)).toEqual({ ...recorded, schemaVersion: 3, data: today });
    expect(recorded.data).toEqual({ accountId: 'a-1', owner: 'Ada' });
    const current = { ...recorded, schemaVersion: 3, data: today };
    expect(upcastRecorded(upcasters, current)).toBe(current);
  });

  it("combine into a context's, where a type may be registered once", () => {
    const combined = combineUpcasters(upcasters, { AccountFrozen: [] });
    expect(Object.keys(combined).sort()).toEqual(['AccountClosed', 'AccountFrozen', 'AccountOpened']);
    expect(currentVersion(combined, 'AccountOpened')).toBe(3);
    expect(() => combineUpcasters(upcasters, { AccountClosed: [] })).toThrow('event type AccountClosed has upcasters registered twice');
  });
});

describe('the kernel reading and writing versioned events', () => {
  async function storeWith(...opened: { schemaVersion: number; data: JsonObject }[]) {
    const store = new InMemoryEventStore();
    await store.append({
      streamId: 'account-a-1',
      expectedVersion: 'no_stream',
      events: opened.map((event) => ({ id: newEventId(), type: 'AccountOpened', ...event, metadata: { correlationId: 'old' } })),
    });
    return store;
  }

  it("folds a stream recorded in an old shape into today's state, and hands out its events in today's shape", async () => {
    const store = await storeWith({ schemaVersion: 1, data: { accountId: 'a-1', owner: 'Ada' } });

    const loaded = await loadState(store, accounts, 'account-a-1');

    expect(loaded.state).toEqual({ status: 'open', owner: { name: 'Ada', kind: 'person' } });
    expect(loaded.recorded.map((event) => [event.schemaVersion, event.data])).toEqual([[3, today]]);
    // The store keeps what was written.
    expect((await store.readStream('account-a-1'))[0]).toMatchObject({ schemaVersion: 1, data: { owner: 'Ada' } });
  });

  it('writes the current version of each event type with every event it appends', async () => {
    const store = await storeWith({ schemaVersion: 2, data: { accountId: 'a-1', owner: { name: 'Ada' } } });

    const result = await new CommandHandler(store, accounts).handle('account-a-1', { type: 'Close' }, { metadata: { correlationId: 'c-1' }, newEventId });

    expect(result.state).toEqual({ status: 'closed', owner: { name: 'Ada', kind: 'person' } });
    expect((await store.readStream('account-a-1')).map((event) => [event.type, event.schemaVersion])).toEqual([
      ['AccountOpened', 2],
      ['AccountClosed', 1],
    ]);
  });

  it('refuses to decide on a stream holding a version newer than it knows, and writes nothing', async () => {
    const store = await storeWith({ schemaVersion: 4, data: { accountId: 'a-1', owner: { name: 'Ada', kind: 'person', since: 2030 } } });

    await expect(
      new CommandHandler(store, accounts).handle('account-a-1', { type: 'Close' }, { metadata: { correlationId: 'c-1' }, newEventId }),
    ).rejects.toThrow(UnknownEventVersionError);
    expect(await store.readStream('account-a-1')).toHaveLength(1);
  });
});
