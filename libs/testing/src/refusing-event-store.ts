import { EventStore } from '@warden/event-store';

/**
 * An event store every call of which fails (and is noted in `calls`): what a query runs
 * against to show that it answers from its read model alone.
 */
export function refusingEventStore(calls: string[] = []): EventStore {
  const refuse =
    (method: string) =>
    (): Promise<never> => {
      calls.push(method);
      return Promise.reject(new Error(`a query called the event store's ${method}`));
    };
  return {
    append: refuse('append'),
    appendMany: refuse('appendMany'),
    readStream: refuse('readStream'),
    readAll: refuse('readAll'),
    countAfter: refuse('countAfter'),
    waitForAppend: refuse('waitForAppend'),
    close: refuse('close'),
  };
}
