// Whether the events stream still holds what a relay has published to it. JetStream is not
// the source of truth: a NATS that lost its store directory, a stream deleted or purged by
// hand, or one restored from an older backup all leave the stream behind the store's log,
// while the relay's checkpoint says those events went out. The relay asks these questions
// and, when the answer is no, publishes again from the last of its events the stream holds
// (or from the start of the log); consumers skip what they had already applied.
//
// The check takes the stream to keep every event (no max_age, as ensureEventsStream makes
// it): under an age limit a quiet service's events would expire, and be published again.
import { JetStreamManager } from 'nats';
import { LogPosition } from '@warden/event-store';
import { isStreamNotFound } from './events-stream';
import { decodePublishedEvent } from './published-event';

export type StreamInspection =
  | { found: false }
  | {
      found: true;
      /** When the stream was created: a stream deleted and added again has another. */
      created: string;
      /** Position of the last of the relay's events the stream holds; undefined when it holds none. */
      lastPublished?: LogPosition;
    };

export type StreamRecovery =
  | { action: 'none' }
  | {
      action: 'republish';
      /** Publish again every event after this position (undefined: from the start of the log). */
      after: LogPosition | undefined;
      /** Create the stream first. */
      recreate: boolean;
      /**
       * Publish the events up to this position under message ids of their own: the stream
       * (purged, not created anew) may still hold their ids in its duplicate window, and would
       * drop them as duplicates.
       */
      newMessageIdsUntil?: LogPosition;
      reason: string;
    };

const NO_MESSAGE_FOUND = 10037;

/** Reads the stream's creation time and the last event on `filterSubject` (one service's events). */
export async function inspectEventsStream(
  jsm: JetStreamManager,
  stream: string,
  filterSubject: string,
): Promise<StreamInspection> {
  let created: string;
  try {
    created = (await jsm.streams.info(stream)).created;
  } catch (error) {
    if (isStreamNotFound(error)) return { found: false };
    throw error;
  }
  try {
    const last = await jsm.streams.getMessage(stream, { last_by_subj: filterSubject });
    return { found: true, created, lastPublished: decodePublishedEvent(last.data).position };
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === NO_MESSAGE_FOUND)
      return { found: true, created };
    // Deleted between the two requests: the next inspection creates it.
    if (isStreamNotFound(error)) return { found: false };
    throw error;
  }
}

/**
 * What the relay must do, given the stream as inspected, the creation time of the stream it
 * last published to (undefined right after it became the active relay), its checkpoint, and
 * whether it found the stream missing since (and created it, to publish a batch).
 * A relay publishes its events in log order and moves its checkpoint only after their acks,
 * so a stream that lost nothing holds an event of the relay at or after the checkpoint.
 */
export function streamRecovery(
  inspection: StreamInspection,
  known: { created?: string; checkpoint?: LogPosition; foundMissing?: boolean },
): StreamRecovery {
  if (!inspection.found || known.foundMissing) {
    return {
      action: 'republish',
      after: undefined,
      recreate: !inspection.found,
      reason: 'the events stream is missing',
    };
  }
  if (known.checkpoint === undefined) return { action: 'none' };
  if (known.created !== undefined && inspection.created !== known.created) {
    // What the relay published to the new stream before noticing is deduplicated (Nats-Msg-Id).
    return {
      action: 'republish',
      after: undefined,
      recreate: false,
      reason: 'the events stream was created again',
    };
  }
  const last = inspection.lastPublished;
  if (last === undefined || last < known.checkpoint) {
    return {
      action: 'republish',
      after: last,
      recreate: false,
      newMessageIdsUntil: known.checkpoint,
      reason:
        last === undefined
          ? 'the events stream holds none of these events'
          : 'the events stream is behind the log',
    };
  }
  return { action: 'none' };
}
