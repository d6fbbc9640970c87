// The wire format of an event on JetStream: the recorded event as the store holds it (its
// data in the shape of its schema version: consumers that read the data bring it up to
// date through the owning context's upcasters), plus the name of the service whose log it
// came from. Subjects are
// `<subjectPrefix>.<service>.<event-type>`, so a consumer filters by service and type.
import { RecordedEvent } from '@warden/event-store';

export interface PublishedEvent extends RecordedEvent {
  service: string;
}

export const DEFAULT_EVENTS_STREAM = 'EVENTS';
export const DEFAULT_EVENT_SUBJECT_PREFIX = 'events';

/** NATS headers set on every published event, so routing needs no JSON parse. */
export const EventHeaders = {
  eventType: 'x-event-type',
  streamId: 'x-stream-id',
  version: 'x-stream-version',
  service: 'x-service',
} as const;

// One NATS subject token: no separators, wildcards or whitespace.
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;
// A prefix may hold several tokens (`test_x.events`).
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function assertSubjectPrefix(prefix: string): void {
  if (!SUBJECT_PREFIX.test(prefix)) throw new Error(`invalid NATS subject prefix: ${JSON.stringify(prefix)}`);
}

export function assertSubjectToken(token: string, what: string): void {
  if (!SUBJECT_TOKEN.test(token)) throw new Error(`invalid ${what} for a NATS subject: ${JSON.stringify(token)}`);
}

/** `events.users.user-created`; event types are kebab-case tokens, checked here. */
export function eventSubject(subjectPrefix: string, service: string, eventType: string): string {
  assertSubjectPrefix(subjectPrefix);
  assertSubjectToken(service, 'service name');
  assertSubjectToken(eventType, 'event type');
  return `${subjectPrefix}.${service}.${eventType}`;
}

/** Filter for every event of one service: `events.users.>`. */
export function serviceEventsFilter(subjectPrefix: string, service: string): string {
  assertSubjectPrefix(subjectPrefix);
  assertSubjectToken(service, 'service name');
  return `${subjectPrefix}.${service}.>`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePublishedEvent(event: RecordedEvent, service: string): Uint8Array {
  const wire: PublishedEvent = {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    streamId: event.streamId,
    version: event.version,
    position: event.position,
    recordedAt: event.recordedAt,
    service,
  };
  return encoder.encode(JSON.stringify(wire));
}

export class InvalidPublishedEventError extends Error {
  override readonly name = 'InvalidPublishedEventError';
}

/** Parses and checks the envelope (not the event's data, which its own context validates). */
export function decodePublishedEvent(payload: Uint8Array): PublishedEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(payload));
  } catch {
    throw new InvalidPublishedEventError('published event is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidPublishedEventError('published event is not an object');
  }
  const candidate = parsed as Record<string, unknown>;
  for (const field of ['id', 'type', 'streamId', 'position', 'recordedAt', 'service'] as const) {
    if (typeof candidate[field] !== 'string' || candidate[field] === '') {
      throw new InvalidPublishedEventError(`published event: ${field} must be a non-empty string`);
    }
  }
  if (!Number.isSafeInteger(candidate.version) || (candidate.version as number) < 1) {
    throw new InvalidPublishedEventError('published event: version must be an integer >= 1');
  }
  // Published before events had schema versions: version 1, as the store reads them.
  candidate.schemaVersion ??= 1;
  if (!Number.isSafeInteger(candidate.schemaVersion) || (candidate.schemaVersion as number) < 1) {
    throw new InvalidPublishedEventError('published event: schemaVersion must be an integer >= 1');
  }
  for (const field of ['data', 'metadata'] as const) {
    const value = candidate[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidPublishedEventError(`published event: ${field} must be an object`);
    }
  }
  if (typeof (candidate.metadata as Record<string, unknown>).correlationId !== 'string') {
    throw new InvalidPublishedEventError('published event: metadata.correlationId must be a string');
  }
  return candidate as unknown as PublishedEvent;
}
