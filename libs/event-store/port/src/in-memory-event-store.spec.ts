import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from '@warden/testing';
import { InMemoryEventStore, DuplicateEventIdError } from './in-memory-event-store';
import { NewEvent } from './event-store.port';
import { tailAll } from './tail';

describeEventStoreContract('in memory', async () => {
  const store = new InMemoryEventStore();
  return {
    store,
    beginPendingAppend: (requests) => store.beginPendingAppend(requests),
    dispose: () => store.close(),
  };
});

const event = (type = 'ThingHappened'): NewEvent => ({
  id: randomUUID(),
  type,
  data: { at: type },
  metadata: { correlationId: 'c-1' },
});

describe('InMemoryEventStore', () => {
  it('refuses an event id it already holds, and ids that are not UUIDs', async () => {
    const store = new InMemoryEventStore();
    const first = event();
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [first] });

    await expect(
      store.append({ streamId: 's-2', expectedVersion: 'any', events: [first] }),
    ).rejects.toBeInstanceOf(DuplicateEventIdError);
    await expect(
      store.append({ streamId: 's-2', expectedVersion: 'any', events: [{ ...event(), id: 'e-1' }] }),
    ).rejects.toThrow(RangeError);
    await expect(store.append({ streamId: 's-2', expectedVersion: 'any', events: [] })).rejects.toThrow(
      RangeError,
    );
    expect(await store.readStream('s-2')).toEqual([]);
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    const store = new InMemoryEventStore();
    await store.append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] });
    const [read] = await store.readStream('s-1');
    read!.data['at'] = 'changed';
    expect((await store.readStream('s-1'))[0]!.data['at']).toBe('ThingHappened');
  });

  it('makes an append to a stream held by a pending append wait for it, then decide on what it left', async () => {
    const store = new InMemoryEventStore();
    const pending = await store.beginPendingAppend([
      { streamId: 's-1', expectedVersion: 'no_stream', events: [event()] },
    ]);
    let settled = false;
    const rival = store
      .append({ streamId: 's-1', expectedVersion: 'no_stream', events: [event()] })
      .finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);

    await pending.commit();
    await expect(rival).rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 1 });
  });
});

describe('tailAll', () => {
  it('hands over every event in pages, sleeps when caught up and stops on abort', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 5; i++)
      await store.append({ streamId: `s-${i}`, expectedVersion: 'no_stream', events: [event(`E${i}`)] });
    const controller = new AbortController();
    const batches: string[][] = [];
    const tail = tailAll(
      store,
      { batchSize: 2, signal: controller.signal, idleWaitMs: 60_000 },
      async (events) => {
        batches.push(events.map((e) => e.type));
        if (batches.flat().length === 6) controller.abort();
      },
    );

    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([['E0', 'E1'], ['E2', 'E3'], ['E4']]);
    // woken by the append long before its 60 s idle wait
    await store.append({ streamId: 's-5', expectedVersion: 'no_stream', events: [event('E5')] });
    const last = await tail;

    expect(batches).toEqual([['E0', 'E1'], ['E2', 'E3'], ['E4'], ['E5']]);
    expect(last).toBe((await store.readStream('s-5'))[0]!.position);
  });

  it('resumes after a position and does not move past a batch whose handler failed', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 4; i++)
      await store.append({ streamId: `s-${i}`, expectedVersion: 'no_stream', events: [event(`E${i}`)] });
    const [, second] = await store.readAll({ limit: 2 });
    const seen: string[] = [];
    const failing = tailAll(
      store,
      { after: second!.position, batchSize: 10, signal: new AbortController().signal, idleWaitMs: 10 },
      async (events) => {
        seen.push(...events.map((e) => e.type));
        throw new Error('projection failed');
      },
    );

    await expect(failing).rejects.toThrow('projection failed');
    expect(seen).toEqual(['E2', 'E3']);
  });
});
