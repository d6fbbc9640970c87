import { AppendRequest, AppendResult, InMemoryEventStore, WrongExpectedVersionError } from '@warden/event-store';
import { CommandHandler, handleAcrossStreams, streamCommand } from './command-handler';
import { Decider } from './decider';
import { loadState } from './load-state';

// A counter that refuses to pass a limit: enough to exercise load, decide, append, retry.
type Command = { type: 'Increment'; limit: number };
type Event = { type: 'Incremented'; data: { value: number } };
type State = { value: number };

const counter: Decider<Command, Event, State> = {
  initialState: () => ({ value: 0 }),
  upcasters: { Incremented: [] },
  decide: (command, state) => {
    if (state.value >= command.limit) throw new RangeError('limit reached');
    return [{ type: 'Incremented', data: { value: state.value + 1 } }];
  },
  evolve: (_state, event) => ({ value: event.data.value }),
};

let ids = 0;
const context = () => ({ metadata: { correlationId: 'c-1' }, newEventId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}` });

/** Lets a rival writer slip in an append just before ours, `times` times. */
class RacingStore extends InMemoryEventStore {
  constructor(private times: number) {
    super();
  }
  override async appendMany(requests: AppendRequest[]): Promise<AppendResult[]> {
    const [request] = requests;
    if (this.times > 0) {
      this.times--;
      const current = (await this.readStream(request.streamId)).length;
      await super.appendMany([
        {
          streamId: request.streamId,
          expectedVersion: current,
          events: [{ id: context().newEventId(), type: 'Incremented', data: { value: current + 1 }, metadata: { correlationId: 'rival' } }],
        },
      ]);
    }
    return super.appendMany(requests);
  }
}

describe('CommandHandler', () => {
  it('appends what the decider decided, with metadata, and returns the new state and version', async () => {
    const store = new InMemoryEventStore();
    const handler = new CommandHandler(store, counter);
    await handler.handle('counter-1', { type: 'Increment', limit: 5 }, context());
    const result = await handler.handle('counter-1', { type: 'Increment', limit: 5 }, context());

    expect(result.state).toEqual({ value: 2 });
    expect(result.version).toBe(2);
    const stored = await store.readStream('counter-1');
    expect(stored.map((e) => e.data)).toEqual([{ value: 1 }, { value: 2 }]);
    expect(stored[1].metadata.correlationId).toBe('c-1');
    // What the decision was based on: the stream before this command's own event.
    expect(result.history).toEqual([stored[0]]);
    expect(result.events.map((e) => e.data)).toEqual([{ value: 2 }]);
  });

  it('re-decides on the fresh state after losing a race', async () => {
    const store = new RacingStore(2);
    const result = await new CommandHandler(store, counter).handle('counter-1', { type: 'Increment', limit: 5 }, context());

    expect(result.state).toEqual({ value: 3 });
    expect((await store.readStream('counter-1')).map((e) => e.data)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
    // The history of the decision that won, not of the one that lost the race.
    expect(result.history.map((e) => e.version)).toEqual([1, 2]);
  });

  it('gives up with the conflict after the bounded number of retries', async () => {
    const store = new RacingStore(10);
    const handler = new CommandHandler(store, counter, { maxRetries: 2 });

    await expect(handler.handle('counter-1', { type: 'Increment', limit: 50 }, context())).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
  });

  it('decides on a stream assumed new without reading it, and on what it holds when it exists after all', async () => {
    const store = new InMemoryEventStore();
    const read = jest.spyOn(store, 'readStream');
    const handler = new CommandHandler(store, counter);

    const fresh = await handler.handle('counter-new', { type: 'Increment', limit: 5 }, context(), { assumeNew: true });
    expect(read).not.toHaveBeenCalled();
    expect(fresh).toMatchObject({ state: { value: 1 }, version: 1, history: [] });

    // Not new after all: the 'no_stream' append loses, and the retry decides on the stream.
    const existing = await handler.handle('counter-new', { type: 'Increment', limit: 5 }, context(), { assumeNew: true });
    expect(read).toHaveBeenCalledTimes(1);
    expect(existing).toMatchObject({ state: { value: 2 }, version: 2 });
    expect(existing.history.map((e) => e.version)).toEqual([1]);
    expect((await store.readStream('counter-new')).map((e) => e.data)).toEqual([{ value: 1 }, { value: 2 }]);
    read.mockRestore();
  });

  it('decides on a stream the caller already read without reading it again, and re-reads it when it moved since', async () => {
    const store = new InMemoryEventStore();
    const handler = new CommandHandler(store, counter);
    await handler.handle('counter-1', { type: 'Increment', limit: 5 }, context());
    const loaded = await loadState(store, counter, 'counter-1');
    const read = jest.spyOn(store, 'readStream');

    const next = await handler.handle('counter-1', { type: 'Increment', limit: 5 }, context(), { loaded });
    expect(read).not.toHaveBeenCalled();
    expect(next).toMatchObject({ state: { value: 2 }, version: 2 });

    // `loaded` is now one event behind: the append at its version loses, and the retry reads the stream.
    const retried = await handler.handle('counter-1', { type: 'Increment', limit: 5 }, context(), { loaded });
    expect(read).toHaveBeenCalledTimes(1);
    expect(retried).toMatchObject({ state: { value: 3 }, version: 3 });
    expect((await store.readStream('counter-1')).map((e) => e.data)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
    read.mockRestore();
  });

  it('does not retry a refusal of the decider, and writes nothing', async () => {
    const store = new InMemoryEventStore();
    const decide = jest.spyOn(counter, 'decide');
    const handler = new CommandHandler(store, counter);

    await expect(handler.handle('counter-1', { type: 'Increment', limit: 0 }, context())).rejects.toThrow('limit reached');
    expect(decide).toHaveBeenCalledTimes(1);
    expect(await store.readStream('counter-1')).toEqual([]);
    decide.mockRestore();
  });
});

describe('handleAcrossStreams', () => {
  // Two counters that must move together: both or neither.
  const step = (streamId: string, limit: number) => streamCommand(streamId, counter, { type: 'Increment', limit });

  it('appends every stream\'s events in one commit and returns each new state', async () => {
    const store = new InMemoryEventStore();
    const results = await handleAcrossStreams(store, [step('a', 5), step('b', 5)], context());

    expect(results.map((r) => r.state)).toEqual([{ value: 1 }, { value: 1 }]);
    expect(results.map((r) => r.version)).toEqual([1, 1]);
    expect((await store.readStream('b')).map((e) => e.data)).toEqual([{ value: 1 }]);
  });

  it('writes nothing on any stream when one decider refuses', async () => {
    const store = new InMemoryEventStore();
    await expect(handleAcrossStreams(store, [step('a', 5), step('b', 0)], context())).rejects.toThrow('limit reached');

    expect(await store.readStream('a')).toEqual([]);
  });

  it('lets exactly the limit win when many race for the last slots', async () => {
    const store = new InMemoryEventStore();
    const racers = Array.from({ length: 20 }, (_, i) =>
      handleAcrossStreams(store, [step('slots', 5), step(`member-${i}`, 1)], context(), { maxRetries: 25 }),
    );
    const outcomes = await Promise.allSettled(racers);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect((await store.readStream('slots')).length).toBe(5);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.every((o) => (o.reason as Error).message === 'limit reached')).toBe(true);
  });
});
