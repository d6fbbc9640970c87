import { Decider, DomainEvent } from '@warden/kernel';

/**
 * Several commands on one stream as one: each is decided on the state the previous ones
 * left, and all their events are appended together at the version the first one saw.
 */
export function commandSequence<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>): Decider<Command[], Event, State> {
  return {
    initialState: decider.initialState,
    evolve: decider.evolve,
    upcasters: decider.upcasters,
    decide(commands, state) {
      const events: Event[] = [];
      let current = state;
      for (const command of commands) {
        const decided = decider.decide(command, current);
        current = decided.reduce(decider.evolve, current);
        events.push(...decided);
      }
      return events;
    },
  };
}
