// Stored events keep the shape they were written in; everything that folds or projects them
// sees today's. Each event type has a list of upcasters, small pure functions that take its
// data from one version of its shape to the next, and its current version is one more than
// their count. Appends write the current version with every event (see `newEvent`), and
// every read that folds or projects an event brings it up to date here first. An event of
// a version, or a type, this code does not know was written by newer code: it is refused,
// never folded as if it had the shape this code expects.
import { JsonObject, RecordedEvent } from '@warden/event-store';

/** What every domain event looks like: a discriminated union on `type`. */
export interface DomainEvent {
  type: string;
  data: JsonObject;
}

/** Takes an event's data from one version of its shape to the next. Pure: no I/O, no clock. */
export type Upcaster = (data: JsonObject) => JsonObject;

/**
 * For each event type (the compiler requires every one of the union), its upcasters, oldest
 * first: `[v1 → v2, v2 → v3, ...]`. An empty list: the type is still at version 1.
 */
export type EventUpcasters<Event extends DomainEvent = DomainEvent> = { readonly [Type in Event['type']]: readonly Upcaster[] };

/** A stored event as the upcasters see it: its type, the version of its shape and its data. */
export type StoredEvent = Pick<RecordedEvent, 'type' | 'schemaVersion' | 'data'>;

export class UnknownEventVersionError extends Error {
  override readonly name = 'UnknownEventVersionError';
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    /** The version this code writes; undefined for a type it does not know at all. */
    readonly currentVersion: number | undefined,
  ) {
    super(
      currentVersion === undefined
        ? `stored event type ${type} is not one this code knows (newer code wrote it?)`
        : `stored ${type} is version ${schemaVersion} of its shape; this code knows versions 1 to ${currentVersion}`,
    );
  }
}

function upcastersOf(upcasters: EventUpcasters, type: string): readonly Upcaster[] | undefined {
  return Object.hasOwn(upcasters, type) ? upcasters[type] : undefined;
}

/** The version of `type`'s shape that this code writes. */
export function currentVersion(upcasters: EventUpcasters, type: string): number {
  const chain = upcastersOf(upcasters, type);
  if (chain === undefined) throw new UnknownEventVersionError(type, 0, undefined);
  return chain.length + 1;
}

/** The stored event's data in today's shape; the same object when it was stored in it. */
function upcastData(upcasters: EventUpcasters, stored: StoredEvent): JsonObject {
  const chain = upcastersOf(upcasters, stored.type);
  const current = chain === undefined ? undefined : chain.length + 1;
  if (chain === undefined || !Number.isSafeInteger(stored.schemaVersion) || stored.schemaVersion < 1 || stored.schemaVersion > chain.length + 1) {
    throw new UnknownEventVersionError(stored.type, stored.schemaVersion, current);
  }
  let data = stored.data;
  for (let version = stored.schemaVersion; version < chain.length + 1; version++) data = chain[version - 1]!(data);
  return data;
}

/** A stored event as a domain event of today's shape, to fold or project. */
export function upcast<Event extends DomainEvent>(upcasters: EventUpcasters<Event>, stored: StoredEvent): Event {
  // Brought to today's shape of its type just now: what the cast says.
  return { type: stored.type, data: upcastData(upcasters as EventUpcasters, stored) } as Event;
}

/** The recorded event with its data in today's shape (the same object when it already was). */
export function upcastRecorded<Recorded extends StoredEvent>(upcasters: EventUpcasters, recorded: Recorded): Recorded {
  const current = currentVersion(upcasters, recorded.type);
  if (recorded.schemaVersion === current) return recorded;
  return { ...recorded, schemaVersion: current, data: upcastData(upcasters, recorded) };
}

// Every part's keys in one type: {A: ...} | {B: ...} becomes {A: ...} & {B: ...}.
type AllOf<Parts> = (Parts extends unknown ? (part: Parts) => void : never) extends (all: infer All) => void ? All : never;

/** A context's upcasters, from its deciders' and its other writers': each type registered once. */
export function combineUpcasters<Parts extends EventUpcasters[]>(...parts: Parts): AllOf<Parts[number]> {
  const combined: Record<string, readonly Upcaster[]> = {};
  for (const part of parts) {
    for (const [type, chain] of Object.entries(part)) {
      if (Object.hasOwn(combined, type)) throw new Error(`event type ${type} has upcasters registered twice`);
      combined[type] = chain;
    }
  }
  return combined as AllOf<Parts[number]>;
}
