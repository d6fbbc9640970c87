// The one JetStream stream that carries every service's events. Deduplication by
// `Nats-Msg-Id` (the event id) within `duplicate_window` is what makes a relay's
// republish after a crash harmless.
import { JetStreamManager, RetentionPolicy, StorageType, StreamInfo, nanos } from 'nats';
import { DEFAULT_EVENTS_STREAM, DEFAULT_EVENT_SUBJECT_PREFIX, assertSubjectPrefix } from './published-event';

export interface EventsStreamOptions {
  /** Default `EVENTS`; tests use their own. */
  stream?: string;
  /** Default `events`; the stream captures `<subjectPrefix>.>`. */
  subjectPrefix?: string;
  /** Default 2 minutes. It must exceed the longest time a relay may take to republish after a crash. */
  duplicateWindowMs?: number;
  /** 3 in a 3-node cluster; default 1. */
  replicas?: number;
  /** Default 0 (unlimited): the store is the source of truth, but consumers must not lose a backlog. */
  maxAgeMs?: number;
}

const STREAM_NOT_FOUND = 10059;

export async function ensureEventsStream(jsm: JetStreamManager, options: EventsStreamOptions = {}): Promise<StreamInfo> {
  const name = options.stream ?? DEFAULT_EVENTS_STREAM;
  const subjectPrefix = options.subjectPrefix ?? DEFAULT_EVENT_SUBJECT_PREFIX;
  assertSubjectPrefix(subjectPrefix);
  const config = {
    subjects: [`${subjectPrefix}.>`],
    duplicate_window: nanos(options.duplicateWindowMs ?? 120_000),
    num_replicas: options.replicas ?? 1,
    max_age: nanos(options.maxAgeMs ?? 0),
  };
  try {
    const info = await jsm.streams.info(name);
    // Retention and storage cannot change in place; the rest is brought up to date.
    return await jsm.streams.update(name, { ...info.config, ...config });
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
  return jsm.streams.add({
    name,
    ...config,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
  });
}

export function isStreamNotFound(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  return apiError?.err_code === STREAM_NOT_FOUND || (error instanceof Error && /stream not found/i.test(error.message));
}
