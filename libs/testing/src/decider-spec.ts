import { Decider, DomainEvent } from '@warden/kernel';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Decider specifications that read as such:
 *   given([events]).when(command).then([events])
 *   given([events]).when(command).thenThrows(SomeError, optionalPredicate)
 */
export function deciderSpec<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: Event[]) {
      return {
        when(command: Command) {
          const run = () => {
            const state = events.reduce(decider.evolve, decider.initialState());
            return decider.decide(command, state);
          };
          return {
            then(expected: Event[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows<E extends ErrorClass>(errorClass: E, check?: (error: InstanceType<E>) => void) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              check?.(thrown as InstanceType<E>);
            },
          };
        },
      };
    },
  };
}
