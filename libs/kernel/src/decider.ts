// emmett-style deciders: pure functions, no I/O, no clock, no random ids inside.
// Time and ids arrive with the command.

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state with the decider's own evolve. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: Iterable<Event>): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
