import { randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '@warden/event-store';
import { Decider, DomainEvent, StreamCommand, handleAcrossStreams, newEvent } from '@warden/kernel';

type ErrorClass = abstract new (...args: never[]) => Error;

/** What one stream held before the command: its decider reads the events as they were written. */
export interface StreamHistory {
  streamId: string;
  decider: Decider<never, DomainEvent, unknown>;
  events: DomainEvent[];
}

export function streamHistory<Command, Event extends DomainEvent, State>(
  streamId: string,
  decider: Decider<Command, Event, State>,
  events: Event[],
): StreamHistory {
  return { streamId, decider: decider as unknown as StreamHistory['decider'], events };
}

const context = { metadata: { correlationId: 'streams-spec', actorType: 'system' as const }, newEventId: randomUUID };

/**
 * Specifications of a command that spans several streams (a create that reserves a username
 * and claims a service-account slot, a delete that frees them), decided and appended as
 * `handleAcrossStreams` does, on an in-memory event store:
 *   given([streamHistory(...)]).when([steps]).then({ streamId: [events] })
 *   given([...]).when([...]).thenThrows(SomeError, check): nothing is written to any stream.
 */
export function streamsSpec() {
  return {
    given(histories: StreamHistory[]) {
      return {
        when(steps: StreamCommand[]) {
          const prepare = async () => {
            const store = new InMemoryEventStore();
            for (const { streamId, decider, events } of histories) {
              if (events.length === 0) continue;
              await store.append({ streamId, expectedVersion: 'no_stream', events: events.map((event) => newEvent(event, decider.upcasters, context)) });
            }
            return store;
          };
          const streamIds = [...new Set([...histories.map((history) => history.streamId), ...steps.map((step) => step.streamId)])];
          return {
            async then(expected: Record<string, DomainEvent[]>) {
              const store = await prepare();
              const results = await handleAcrossStreams(store, steps, context);
              const appended = Object.fromEntries(results.filter((result) => result.events.length > 0).map((result) => [result.streamId, result.events]));
              expect(appended).toEqual(Object.fromEntries(Object.entries(expected).filter(([, events]) => events.length > 0)));
            },
            async thenThrows<E extends ErrorClass>(errorClass: E, check?: (error: InstanceType<E>) => void) {
              const store = await prepare();
              const before = await Promise.all(streamIds.map((streamId) => store.readStream(streamId)));
              let thrown: unknown;
              try {
                await handleAcrossStreams(store, steps, context);
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              check?.(thrown as InstanceType<E>);
              const after = await Promise.all(streamIds.map((streamId) => store.readStream(streamId)));
              expect(after.map((events) => events.length)).toEqual(before.map((events) => events.length));
            },
          };
        },
      };
    },
  };
}
