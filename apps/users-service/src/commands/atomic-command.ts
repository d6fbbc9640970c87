import { CommonErrorCode, RequestContext, WardenError } from '@warden/contracts';
import { AppendResult, EventStore, WrongExpectedVersionError } from '@warden/event-store';
import { CommandResult, DomainEvent, StreamCommand, eventMetadataFrom, handleAcrossStreams } from '@warden/kernel';
import { v7 as uuidv7 } from 'uuid';

// Enough re-decisions that racers for the last slots end with the limit's refusal rather
// than a concurrency conflict: each round, at least one racer commits.
export const MAX_COMMAND_RETRIES = 40;

export interface AtomicOutcome {
  results: CommandResult<DomainEvent, unknown>[];
  /** What the store committed, to bring the read models up to it before answering. */
  appended: AppendResult[];
}

/** Runs one command over its streams in one atomic append, and says what was appended. */
export async function runAtomically(
  store: EventStore,
  steps: StreamCommand[],
  context: RequestContext,
  organizationId?: string,
): Promise<AtomicOutcome> {
  const metadata = eventMetadataFrom(context);
  if (organizationId) metadata.organizationId = organizationId;
  try {
    const results = await handleAcrossStreams(store, steps, { metadata, newEventId: uuidv7 }, { maxRetries: MAX_COMMAND_RETRIES });
    const appended = results.flatMap(({ streamId, version, position }) => (position === undefined ? [] : [{ streamId, version, position }]));
    return { results, appended };
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) {
      throw new WardenError(CommonErrorCode.ConcurrencyConflict, 'the resource kept changing concurrently; try again');
    }
    throw error;
  }
}
