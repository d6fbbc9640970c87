// Pure translations between the port and KurrentDB: revisions, positions, metadata.
import { ANY, AppendStreamState, CurrentStreamState, NO_STREAM, Position } from '@kurrent/kurrentdb-client';
import { EventMetadata, ExpectedVersion, LogPosition, requiredVersion } from '@warden/event-store';

const DIGITS = 20;
const POSITION = /^(\d{20}):(\d{20})$/;
// multiStreamAppend only takes string-valued metadata, so ours travels as one JSON string.
export const METADATA_PROPERTY = 'warden-metadata';

/** KurrentDB revisions count from 0, our versions from 1: version = revision + 1. */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  const required = requiredVersion(expected);
  if (required === undefined) return ANY;
  if (required === 0) return NO_STREAM;
  return BigInt(required - 1);
}

export function versionOf(state: CurrentStreamState): number {
  return state === NO_STREAM ? 0 : Number(state) + 1;
}

export function formatKurrentPosition({ commit, prepare }: Position): LogPosition {
  return `${commit.toString().padStart(DIGITS, '0')}:${prepare.toString().padStart(DIGITS, '0')}`;
}

export function parseKurrentPosition(position: LogPosition): Position {
  const match = POSITION.exec(position);
  if (!match) throw new RangeError(`not a KurrentDB event store position: ${position}`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

// The version of the event's shape travels beside it; an event without one is version 1.
export const SCHEMA_VERSION_PROPERTY = 'warden-schema-version';

export function encodeMetadata(metadata: EventMetadata, schemaVersion = 1): Record<string, string> {
  return { [METADATA_PROPERTY]: JSON.stringify(metadata), [SCHEMA_VERSION_PROPERTY]: String(schemaVersion) };
}

export function decodeSchemaVersion(stored: unknown): number {
  const property = stored && typeof stored === 'object' ? (stored as Record<string, unknown>)[SCHEMA_VERSION_PROPERTY] : undefined;
  if (property === undefined) return 1;
  const version = Number(property);
  if (typeof property !== 'string' || !Number.isSafeInteger(version) || version < 1) {
    throw new TypeError(`event schema version ${JSON.stringify(property)} is not an integer >= 1`);
  }
  return version;
}

export function decodeMetadata(stored: unknown): EventMetadata {
  if (stored && typeof stored === 'object' && !Array.isArray(stored) && !(stored instanceof Uint8Array)) {
    const wrapped = (stored as Record<string, unknown>)[METADATA_PROPERTY];
    if (typeof wrapped === 'string') return JSON.parse(wrapped) as EventMetadata;
    return stored as EventMetadata;
  }
  throw new TypeError('event metadata is not a JSON object');
}

/**
 * Several services share one KurrentDB: each keeps its streams under a prefix of its own
 * (`tokens:token-...`), so its reads of $all see only its own events. The prefix is empty
 * for a store that owns the whole database.
 */
export function scopedStreamName(prefix: string, streamId: string): string {
  return `${prefix}${streamId}`;
}

/** The stream id a scoped stream name stands for, or undefined for another scope's stream. */
export function streamIdInScope(prefix: string, streamName: string): string | undefined {
  if (!streamName.startsWith(prefix)) return undefined;
  const streamId = streamName.slice(prefix.length);
  return streamId === '' ? undefined : streamId;
}

// A plain name ending in a separator: never a pattern, never one of KurrentDB's own streams ($...).
const STREAM_PREFIX = /^[A-Za-z0-9_-]+[:/.]$/;

export function assertStreamPrefix(prefix: string): void {
  if (prefix !== '' && !STREAM_PREFIX.test(prefix)) {
    throw new RangeError(`invalid KurrentDB stream prefix ${JSON.stringify(prefix)}: letters, digits, "_" or "-", ending in ":", "/" or "."`);
  }
}
