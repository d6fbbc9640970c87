import { EventStore, ReadStreamOptions, RecordedEvent } from '@warden/event-store';
import { Decider, fold } from './decider';
import { DomainEvent, upcastRecorded } from './event-upcasters';

/**
 * A stream's state, folded with the decider's own evolve, and the version it reflects
 * (0 for a stream that does not exist), with the events it was folded from, each brought
 * to today's shape of its type by the decider's upcasters.
 * `recordedUntil` gives the state as of a moment.
 */
export async function loadState<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamId: string,
  options?: ReadStreamOptions,
): Promise<{ state: State; version: number; recorded: RecordedEvent[] }> {
  const recorded = (await store.readStream(streamId, options)).map((event) => upcastRecorded(decider.upcasters, event));
  // Each in today's shape of its type, as the decider's event union declares it.
  const events = recorded.map((event) => ({ type: event.type, data: event.data }) as Event);
  return { state: fold(decider, events), version: recorded.length === 0 ? 0 : recorded[recorded.length - 1].version, recorded };
}
