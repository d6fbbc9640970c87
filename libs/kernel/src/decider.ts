// emmett-style deciders: pure functions, no I/O, no clock, no random ids inside.
// Time and ids arrive with the command.
import { DomainEvent, EventUpcasters } from './event-upcasters';

export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /** How each of its event types is read from the store, whichever version of its shape was stored. */
  upcasters: EventUpcasters<Event>;
}

/** Folds events into state with the decider's own evolve. */
export function fold<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>, events: Iterable<Event>): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
