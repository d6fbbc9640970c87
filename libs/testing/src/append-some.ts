import { randomUUID } from 'node:crypto';
import { EventStore, JsonObject, RecordedEvent } from '@warden/event-store';

/** Appends `count` events of `type` to `streamId` and returns them as the store recorded them. */
export async function appendSome(
  store: EventStore,
  streamId: string,
  type: string,
  count: number,
  data: (index: number) => JsonObject = (index) => ({ index }),
): Promise<RecordedEvent[]> {
  const { version } = await store.append({
    streamId,
    expectedVersion: 'any',
    events: Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      type,
      data: data(index),
      metadata: { correlationId: `corr-${randomUUID()}` },
    })),
  });
  return store.readStream(streamId, { fromVersion: version - count + 1 });
}

/** For stores created in tests: migrations and reconnects need not be narrated. */
export const silentStoreLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Every event committed so far, once the global log releases them all. `readAll` holds
 * back what follows an older open transaction anywhere in the cluster (other test files
 * run in parallel), so a test that reads the log right after appending waits here until
 * what it reads is all that `countAfter` says is there.
 */
export async function readAllCommitted(store: EventStore, limit = 1000, timeoutMs = 15_000): Promise<RecordedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const expected = await store.countAfter(undefined, limit);
    const events = await store.readAll({ limit });
    if (events.length >= expected) return events;
    if (Date.now() > deadline) throw new Error(`the global log still held back ${expected - events.length} committed events after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ContinuousWrites {
  /** Events appended so far. */
  readonly appended: readonly RecordedEvent[];
  /** Stops appending and answers every event appended, once the last append has finished. */
  stop(): Promise<RecordedEvent[]>;
}

/** Appends one event every `everyMs` to one of `streamIds` in turn, until stopped: writes going on under a fault. */
export function appendContinuously(store: EventStore, streamIds: readonly string[], type: string, everyMs = 20): ContinuousWrites {
  const appended: RecordedEvent[] = [];
  let stopped = false;
  const writing = (async () => {
    for (let index = 0; !stopped; index++) {
      appended.push(...(await appendSome(store, streamIds[index % streamIds.length]!, type, 1, () => ({ index }))));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    appended,
    async stop() {
      stopped = true;
      await writing;
      return [...appended];
    },
  };
}
