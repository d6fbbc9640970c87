import { EventMetadata, EventStore, LogPosition, NewEvent, RecordedEvent, WrongExpectedVersionError } from '@warden/event-store';
import { Decider } from './decider';
import { DomainEvent, EventUpcasters, currentVersion } from './event-upcasters';
import { loadState } from './load-state';

export interface CommandContext {
  metadata: EventMetadata;
  /** Event ids come from outside the decider, so deciders stay pure. */
  newEventId: () => string;
}

export interface CommandResult<Event, State> {
  streamId: string;
  /** The events this command appended, after `history`. */
  events: Event[];
  /** The stream's events the decision was based on, as read before the append (in today's shape). */
  history: RecordedEvent[];
  state: State;
  version: number;
  /** Where the stream's last new event landed in the global log; undefined when nothing was appended. */
  position: LogPosition | undefined;
}

export interface CommandHandlerOptions {
  /** How many times a command is re-decided after losing an optimistic-concurrency race. */
  maxRetries?: number;
}

/** One stream's part in a command that spans several streams. */
export interface StreamCommand<Command = unknown, Event extends DomainEvent = DomainEvent, State = unknown> {
  streamId: string;
  decider: Decider<Command, Event, State>;
  command: Command;
  /**
   * The stream is new by construction (its id was just generated): the first decision is
   * made on the initial state without reading the stream, and appended as 'no_stream'. If
   * it exists after all, that append loses as any race does and the retry reads it.
   */
  assumeNew?: boolean;
  /**
   * The stream as the caller already read it (with `loadState`, to authorize the command
   * on it, say): the first decision is made on it without reading the stream again. If
   * the stream moved since, the append loses as any race does and the retry reads it.
   */
  loaded?: LoadedStream<State>;
}

/** A stream's state as `loadState` answers it. */
export type LoadedStream<State> = Awaited<ReturnType<typeof loadState<never, DomainEvent, State>>>;

/**
 * The one way a domain event becomes one to store: an id, the request's metadata, and the
 * version of its type's shape this code writes (so that readers know which upcasters apply).
 */
export function newEvent(event: DomainEvent, upcasters: EventUpcasters, context: CommandContext): NewEvent {
  return {
    id: context.newEventId(),
    type: event.type,
    schemaVersion: currentVersion(upcasters, event.type),
    data: event.data,
    metadata: context.metadata,
  };
}

/** Builds a StreamCommand with its types checked, for arrays that mix aggregates. */
export function streamCommand<Command, Event extends DomainEvent, State>(
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  assumeNew = false,
  loaded?: LoadedStream<State>,
): StreamCommand {
  return { streamId, decider, command, assumeNew, loaded } as unknown as StreamCommand;
}

/** What a step's first decision can be made on without reading its stream: what its caller read, or a new stream's start. */
function knownBeforeReading(step: StreamCommand): LoadedStream<unknown> | undefined {
  if (step.loaded) return step.loaded;
  return step.assumeNew ? { state: step.decider.initialState(), version: 0, recorded: [] } : undefined;
}

/**
 * Decides on several streams and appends every stream's events in one atomic commit, each
 * at the version its decision was based on: the way a rule that spans aggregates (a
 * username that must be unique, an organization's service-account limit) holds under
 * concurrency without a read model that can race. A lost race is re-decided, up to
 * `maxRetries` times with a short random pause so that racers spread out; a refusal by
 * any decider is thrown at once and writes nothing.
 */
export async function handleAcrossStreams(
  store: EventStore,
  steps: StreamCommand[],
  context: CommandContext,
  options: CommandHandlerOptions = {},
): Promise<CommandResult<DomainEvent, unknown>[]> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const loaded = await Promise.all(
      steps.map((step) =>
        (attempt === 0 && knownBeforeReading(step)) || loadState(store, step.decider, step.streamId),
      ),
    );
    const decided = steps.map((step, i) => step.decider.decide(step.command, loaded[i].state));
    const requests = steps
      .map((step, i) => ({
        streamId: step.streamId,
        expectedVersion: loaded[i].version === 0 ? ('no_stream' as const) : loaded[i].version,
        events: decided[i].map((event) => newEvent(event, step.decider.upcasters, context)),
      }))
      .filter((request) => request.events.length > 0);
    try {
      const appended = requests.length > 0 ? await store.appendMany(requests) : [];
      return steps.map((step, i) => {
        const result = appended.find((candidate) => candidate.streamId === step.streamId);
        return {
          streamId: step.streamId,
          events: decided[i],
          history: loaded[i].recorded,
          state: decided[i].reduce((s, e) => step.decider.evolve(s, e), loaded[i].state),
          version: result?.version ?? loaded[i].version,
          position: result?.position,
        };
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= maxRetries) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    }
  }
}

/** Load the stream, decide, append with the version the decision was based on. */
export class CommandHandler<Command, Event extends DomainEvent, State> {
  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly options: CommandHandlerOptions = {},
  ) {}

  /** `assumeNew`, `loaded`: see StreamCommand. */
  async handle(
    streamId: string,
    command: Command,
    context: CommandContext,
    options: { assumeNew?: boolean; loaded?: LoadedStream<State> } = {},
  ): Promise<CommandResult<Event, State>> {
    const [result] = await handleAcrossStreams(
      this.store,
      [streamCommand(streamId, this.decider, command, options.assumeNew, options.loaded)],
      context,
      this.options,
    );
    return result as CommandResult<Event, State>;
  }
}
